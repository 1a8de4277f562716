"""The pages of the app: stable url paths (a public contract), Chinese titles."""
from __future__ import annotations

APP_TITLE = "普惠金融监测"

# url_path -> (file, title, icon). The first is the default page at "/".
PAGES: dict[str, tuple[str, str, str]] = {
    "overview": ("pages/overview.py", "总览", ":material/dashboard:"),
    "credit-villages": ("pages/credit-villages.py", "信用村", ":material/handshake:"),
    "microloans": ("pages/microloans.py", "小额信贷", ":material/savings:"),
    "guarantees": ("pages/guarantees.py", "融资担保", ":material/verified_user:"),
    "ipo": ("pages/ipo.py", "企业上市", ":material/trending_up:"),
    "briefing": ("pages/briefing.py", "调度简报", ":material/summarize:"),
    "data": ("pages/data.py", "数据管理", ":material/database:"),
}
