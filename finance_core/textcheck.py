"""The text rules every imported or typed text obeys (one line unless a note, no
invisible or direction-changing characters, no resident ID number), shared by
the imports (:mod:`finance_core.imports.cells`) and the pages' own forms."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .exports import FORMULA_PREFIXES
from .privacy import id_checksum
from .privacy import mask_id_number as mask_id

Parsed = tuple[object, str | None]

# line breaks other than \n, and characters that do not show or that turn text around
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_INVISIBLE_NAMES = {
    "\u200b": "零宽空格", "\u200c": "零宽非连接符", "\u200d": "零宽连接符", "\u200e": "从左到右标记",
    "\u200f": "从右到左标记", "\u202a": "从左到右嵌入", "\u202b": "从右到左嵌入", "\u202c": "方向格式结束",
    "\u202d": "从左到右覆盖", "\u202e": "从右到左覆盖", "\u2066": "从左到右隔离", "\u2067": "从右到左隔离",
    "\u2068": "方向隔离", "\u2069": "方向隔离结束", "\u2060": "零宽不换行", "\ufeff": "零宽不换行空格（BOM）",
    "\u00ad": "软连字符", "\x7f": "删除符 DEL", "\x85": "下一行符 NEL", "\u2028": "行分隔符",
    "\u2029": "段落分隔符", "\t": "制表符",
}
_DIGITS17 = re.compile(r"\d{17}")
_BREAK_NAMES = {"\r": "回车符", "\n": "换行符", "\x0b": "垂直制表符", "\x0c": "换页符"}
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def _invisible(s: str, multiline: bool) -> str | None:
    """The reason to refuse ``s`` for a character one cannot see, or None."""
    for ch in s:
        if ch == "\n" and multiline or ch == "\t" and multiline:
            continue
        if ch in _LINE_BREAKS and not multiline or ch in "\r\n":
            name = _BREAK_NAMES.get(ch) or _INVISIBLE_NAMES.get(ch) or "分隔符"
            return (f"不能换行：内容中含有{name}（U+{ord(ch):04X}），已拒绝（不会自动删除）；"
                    "此列只能填一行文字，请删除换行后重新导入")
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Zl", "Zp", "Co") or ch in _INVISIBLE_NAMES:
            name = _INVISIBLE_NAMES.get(ch) or ("控制字符" if cat == "Cc" else "不可见的格式字符")
            return (f"含有看不见的字符 U+{ord(ch):04X}（{name}），已拒绝（不会自动删除）；"
                    "这类字符会改变文字的显示或被用来伪装内容，请删除后重新导入")
    return None


def looks_like_id(s: str) -> str | None:
    """The first 18-character resident ID number (valid check digit and birth date) in ``s``."""
    for m in _ID_LIKE.finditer(s):
        cand = m.group(1).upper()
        try:
            dt.date(int(cand[6:10]), int(cand[10:12]), int(cand[12:14]))
        except ValueError:
            continue
        if id_checksum(cand[:17]) == cand[17]:
            return cand
    return None


def _unescape_line(s: str) -> str:
    if len(s) > 1 and s[0] == "'" and s[1:].startswith((*FORMULA_PREFIXES, "'")):
        return s[1:]
    return s


def text(value, max_len: int = 200, *, multiline: bool = False) -> Parsed:
    """Text of one cell: one line unless ``multiline``; no invisible or
    direction-changing characters; no resident ID number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()[:10]
    s = str(value).strip(" \u3000")
    if multiline:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = s.strip(" \u3000\n" if multiline else " \u3000")
    # undo the formula escaping of our own exports: '=… -> =…, ''… -> '… (of every line)
    s = _unescape_line(s)
    if multiline and "\n'" in s:
        s = "\n".join(_unescape_line(line) for line in s.split("\n"))
    if len(s) > max_len:
        return None, f"内容过长（{len(s)} 个字，最多 {max_len} 个字）"
    if not s.isprintable():   # fast path: isprintable() is False for every character refused here
        reason = _invisible(s, multiline)
        if reason:
            return None, reason
    found = looks_like_id(s) if _DIGITS17.search(s) else None
    if found:
        return None, (f"内容中有身份证号（{mask_id(found)}）；个人信息只能填在“身份证号”列，"
                      "请删除后重新导入")
    return s, None
