"""The pages of the app: stable url paths (a public contract), Chinese titles."""
from __future__ import annotations

# url_path -> (file, title, icon). The first is the default page at "/".
PAGES: dict[str, tuple[str, str, str]] = {
    "overview": ("pages/overview.py", "总览", ":material/dashboard:"),
}
