#!/usr/bin/env bash
# Serve the app with several Streamlit worker processes behind nginx.
#
#   scripts/serve.sh --workers 2 [--port 8080] [--host 0.0.0.0] [--run-dir DIR] [--script app.py]
#
# Starts N `streamlit run` workers on 127.0.0.1 (ports PORT+1 .. PORT+N) that share
# the one SQLite database ($FINANCE_DB or data/county.db, WAL; writes are serialised
# by SQLite's lock and the busy timeout), and Debian's nginx on HOST:PORT in front
# of them: websocket upgrade on, and session affinity by a cookie (ifm_route): a
# browser's first request goes to the next worker in turn (so the thirty people who
# open a meeting link together are split evenly, not by the luck of a hash), and the
# answer sets the cookie to that worker's name; every later request with the cookie
# (its websocket, reconnects, uploads, downloads) reaches the worker that holds its
# session. A cookie naming no worker (a stale one, after --workers changed) is
# treated as a first request. Runs in the foreground; Ctrl-C (or SIGTERM) stops everything.
# The database is built (demo county) or migrated once, before any worker starts.
set -euo pipefail
cd "$(dirname "$0")/.."

workers=2 port=8080 host=0.0.0.0 run_dir="" script=app.py
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --host) host="$2"; shift 2 ;;
    --run-dir) run_dir="$2"; shift 2 ;;
    --script) script="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "serve.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "serve.sh: --workers must be a positive integer" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "serve.sh: nginx is missing (Debian: apt-get install nginx-light)" >&2; exit 1; }

run_dir=${run_dir:-$(mktemp -d /tmp/finance-serve.XXXXXX)}
mkdir -p "$run_dir/tmp"
# every worker signs cookies (XSRF) with the same secret, so a cookie from one is valid on all
secret=${STREAMLIT_SERVER_COOKIE_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}

if [ "$script" = app.py ]; then
  python3 -c 'from finance_core import demo; print("database:", demo.ensure_database())'
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  [ -f "$run_dir/nginx.pid" ] && kill "$(cat "$run_dir/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

upstreams="" route_to="" route_name="" route_known=""
for i in $(seq 1 "$workers"); do
  wport=$((port + i))
  route_to+="    w$i 127.0.0.1:$wport;"$'\n'
  route_name+="    \"~127\\.0\\.0\\.1:$wport\$\" w$i;"$'\n'
  route_known+="    w$i \"\";"$'\n'
  STREAMLIT_SERVER_COOKIE_SECRET="$secret" python3 -m streamlit run "$script" \
    --server.port "$wport" --server.address 127.0.0.1 --server.headless true \
    --browser.gatherUsageStats false --server.fileWatcherType none \
    >"$run_dir/worker-$i.log" 2>&1 &
  pids+=($!)
  upstreams+="    server 127.0.0.1:$wport max_fails=0;"$'\n'
done

user_line=""
if [ "$(id -u)" -eq 0 ]; then
  user_line="user nobody nogroup;"
  chown nobody:nogroup "$run_dir/tmp"
fi
cat >"$run_dir/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $run_dir/nginx.pid;
error_log $run_dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
  log_format route '\$cookie_ifm_route \$upstream_addr \$request_uri';
  client_body_temp_path $run_dir/tmp/body;
  proxy_temp_path $run_dir/tmp/proxy;
  fastcgi_temp_path $run_dir/tmp/fastcgi;
  uwsgi_temp_path $run_dir/tmp/uwsgi;
  scgi_temp_path $run_dir/tmp/scgi;
  client_max_body_size 200m;

  # affinity: the worker the browser's ifm_route cookie names (only the workers' own names
  # are accepted); without one, the next worker in turn, whose name the answer sets
  map \$cookie_ifm_route \$route_to {
    default streamlit;
$route_to  }
  # the worker that answered: the last of \$upstream_addr (after a retry it lists two); none when
  # nginx answered itself (a 502, a 413): then no cookie is set. These two variables are read
  # only by add_header, after the answer: read earlier (proxy_set_header, if) they would be empty
  map \$upstream_addr \$route_name {
    default "";
$route_name  }
  map \$route_name \$new_route_cookie {
    "" "";
    default "ifm_route=\$route_name; Path=/; HttpOnly; SameSite=Lax";
  }
  map \$cookie_ifm_route \$route_cookie {
    default \$new_route_cookie;
$route_known  }
  map \$http_upgrade \$connection_upgrade { default upgrade; "" close; }

  upstream streamlit {
$upstreams  }
  server {
    listen $host:$port;
    access_log $run_dir/nginx-route.log route;
    location / {
      proxy_pass http://\$route_to;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_read_timeout 1d;
      proxy_send_timeout 1d;
      proxy_buffering off;
      add_header Set-Cookie \$route_cookie always;
    }
  }
}
EOF

for i in $(seq 1 "$workers"); do
  wport=$((port + i))
  for _ in $(seq 1 120); do
    python3 - "$wport" <<'PY' && break
import sys, urllib.request
try:
    ok = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_stcore/health", timeout=2).read().strip() == b"ok"
except OSError:
    ok = False
sys.exit(0 if ok else 1)
PY
    sleep 0.5
  done
done
"$NGINX" -p "$run_dir" -e "$run_dir/nginx-error.log" -c "$run_dir/nginx.conf" -g 'daemon off;' &
pids+=($!)
echo "serving $script with $workers worker(s) on http://$host:$port (logs in $run_dir)"
wait -n "${pids[@]}"
