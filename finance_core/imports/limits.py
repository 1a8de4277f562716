"""Upload limits, checked before a file's cells are read (see xlsx.py).

They bound the memory and time one upload may cost the server: a template file
for a month of a county is far below every one of them. The template's 说明
sheet states them (templates.py).
"""
from __future__ import annotations

import re

MAX_BYTES = 20 * 1024 * 1024           # the upload itself
MAX_UNZIPPED = 200 * 1024 * 1024       # all parts of a workbook, unpacked
MAX_SHEET_XML = 160 * 1024 * 1024      # one worksheet part, unpacked
MAX_SHARED_STRINGS = 64 * 1024 * 1024  # the shared-string table, unpacked
MAX_OTHER_PART = 16 * 1024 * 1024      # styles, theme, ...
MAX_PARTS = 1000
MAX_RATIO = 200                        # compression ratio of a zip bomb ...
BOMB_MIN_BYTES = 50 * 1024 * 1024      # ... once it unpacks to more than this
MAX_ROWS = 200_000                     # data rows of one file
HEADER_ROWS = 10                       # rows searched for the header (above the data)
MAX_COLUMNS = 60
MAX_CELLS = 2_000_000                  # rows x columns of the used area
MAX_CELL_CHARS = 5_000                 # characters in one cell

# a text run that may be longer than MAX_CELL_CHARS (checked exactly when found)
LONG_RUN = re.compile(rb">([^<]{%d,})<" % MAX_CELL_CHARS)


def part_limit(name: str) -> int:
    lower = name.lower()
    if lower.startswith("xl/worksheets/"):
        return MAX_SHEET_XML
    if lower.endswith("sharedstrings.xml"):
        return MAX_SHARED_STRINGS
    return MAX_OTHER_PART


def described() -> list[str]:
    """The limits in words, for the template's 说明 sheet."""
    return [
        f"文件不超过 {MAX_BYTES // 1024 // 1024} MB；.xlsx 解压后不超过 {MAX_UNZIPPED // 1024 // 1024} MB",
        f"每个文件最多 {MAX_ROWS:,} 行数据、{MAX_COLUMNS} 列，数据区域（行数×列数）不超过 {MAX_CELLS:,} 个单元格",
        f"每个单元格最多 {MAX_CELL_CHARS:,} 个字",
        "超过上限的文件在读取前整份拒收；数据多时请按月份或银行拆分后分别导入",
    ]
