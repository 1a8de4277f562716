"""Screenshot pages of a running app with Debian's chromium (for a visual check).

Usage: python scripts/screenshot.py URL OUT.png [URL OUT.png ...]
"""
import os
import sys

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(argv):
    pairs = list(zip(argv[::2], argv[1::2]))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        height = int(os.environ.get("SHOT_HEIGHT", "1000"))
        pg = b.new_page(viewport={"width": 1600, "height": height})
        for url, out in pairs:
            pg.goto(url)
            pg.wait_for_selector('[data-testid="stApp"]')
            pg.wait_for_timeout(1500)
            pg.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60000)
            pg.wait_for_timeout(1500)
            pg.screenshot(path=out, full_page=True)
            print("saved", out)
        b.close()


if __name__ == "__main__":
    main(sys.argv[1:])
