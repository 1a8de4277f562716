"""Masking of personal data shown on screen or exported.

Every borrower name and ID number that leaves ``finance_core`` goes through
:func:`mask_name` / :func:`mask_id_number` first, for every user: the
unmasked values never reach a page, a cache or an export.

- Names keep the surname (compound surnames such as 欧阳, 司马 included) and
  the last character of the given name: 张三明 -> 张*明, 欧阳明华 -> 欧阳*华,
  张三 -> 张*, 欧阳明 -> 欧阳*. A one-character value becomes ``*``.
- ID numbers of a valid shape (18 characters: 17 digits and a digit or X; or
  the old 15 digits) keep the first 4 and last 4 characters:
  341201199001011234 -> 3412**********1234. Anything else is masked whole,
  since a malformed number may still be most of a real one.
"""
from __future__ import annotations

import re

# 复姓 (compound surnames) recognised so that the whole surname stays visible
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 令狐 "
    "独孤 南宫 西门 轩辕 端木 百里 呼延 闻人 万俟 申屠 澹台 公冶 太叔 赫连 钟离 "
    "宗政 濮阳 淳于 单于 仲孙 亓官 司寇 巫马 公西 漆雕 乐正 壤驷 公良 拓跋 夹谷 "
    "宰父 谷梁 段干 东郭 南门 羊舌 微生 梁丘 左丘 东门 第五".split()
)

_ID_VALID = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")
_SPACES = re.compile(r"[\s\-\u3000]+")


def mask_name(name: object) -> str:
    """张三明 -> 张*明; compound surnames stay whole (欧阳明华 -> 欧阳*华)."""
    if name is None:
        return ""
    text = _SPACES.sub("", str(name))
    if not text:
        return ""
    if len(text) == 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    surname_len = 2 if text[:2] in COMPOUND_SURNAMES else 1
    surname, given = text[:surname_len], text[surname_len:]
    if len(given) == 1:
        return surname + "*"
    return surname + "*" * (len(given) - 1) + given[-1]


def mask_id_number(value: object) -> str:
    """3412**********1234 for a well-formed ID number; all ``*`` otherwise."""
    if value is None:
        return ""
    text = _SPACES.sub("", str(value)).upper()
    if not text:
        return ""
    if _ID_VALID.fullmatch(text):
        return text[:4] + "*" * (len(text) - 8) + text[-4:]
    return "*" * min(len(text), 18)


# what an unmasked ID number looks like inside any text (for checks and tests)
UNMASKED_ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def contains_unmasked_id(text: object) -> bool:
    """True when ``text`` holds something shaped like a full 18-character ID number."""
    return bool(UNMASKED_ID_RE.search(str(text)))


def id_checksum(body17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body17, weights))
    return "10X98765432"[total % 11]
