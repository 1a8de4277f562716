"""Masking of borrower names and ID numbers (finance_core.privacy)."""
import pytest

from finance_core.privacy import contains_unmasked_id, mask_id_number, mask_name


@pytest.mark.parametrize("name, masked", [
    ("张三明", "张*明"),
    ("张明", "张*"),          # short: the given name is hidden whole
    ("张", "*"),
    ("王小二三", "王**三"),
    ("欧阳明华", "欧阳*华"),    # compound surname stays whole
    ("欧阳明", "欧阳*"),
    ("司马相如", "司马*如"),
    ("司马懿", "司马*"),
    ("诸葛亮", "诸葛*"),
    ("上官婉儿", "上官*儿"),
    ("欧阳", "欧*"),          # two characters: never shown whole
    (" 张 三明 ", "张*明"),     # spaces do not reveal anything
    ("", ""),
    (None, ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_name_never_returns_the_given_name():
    for name in ("李建国", "欧阳建国", "司马建国华", "Zhang San"):
        out = mask_name(name)
        assert out != name and "*" in out and len(out) == len(name.replace(" ", ""))


@pytest.mark.parametrize("value, masked", [
    ("341201199001011234", "3412**********1234"),
    ("34120119900101123x", "3412**********123X"),
    ("34120119900101123X", "3412**********123X"),
    ("341201900101123", "3412*******1123"),          # old 15-digit number
    ("3412 0119 9001 0112 34", "3412**********1234"),  # spaced
    ("3412-0119-9001-0112-34", "3412**********1234"),
])
def test_mask_id_number_well_formed(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize("value", [
    "12345",                     # too short
    "3412011990010112345",       # 19 digits
    "34120119900101123",         # 17 digits
    "3412011990010112A4",        # a letter inside
    "341201199001011234X",       # 19 characters
    "X41201199001011234",
    "abc",
])
def test_mask_id_number_malformed_is_masked_whole(value):
    out = mask_id_number(value)
    assert set(out) == {"*"} and 0 < len(out) <= 18


def test_mask_id_number_empty():
    assert mask_id_number(None) == "" and mask_id_number("") == "" and mask_id_number("   ") == ""


def test_contains_unmasked_id():
    assert contains_unmasked_id("证件 341201199001011234 已登记")
    assert contains_unmasked_id("34120119900101123X")
    assert not contains_unmasked_id("3412**********1234")
    assert not contains_unmasked_id("XD00001234")
    assert not contains_unmasked_id("1234567890123456789012")   # a longer number is not an ID
    for value in ("341201199001011234", "34120119900101123x"):
        assert not contains_unmasked_id(mask_id_number(value))
