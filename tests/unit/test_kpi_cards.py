"""KPI rows drawn as one HTML block (ui.widgets.kpi_html), read back as a browser shows them."""
from bench.harness import parse_cards
from finance_core.kpi import COUNT, MONEY, RATIO, Kpi
from ui.widgets import kpi_html


def test_values_changes_and_second_lines_read_back():
    rows = (
        Kpi("bal", "贷款余额", MONEY, 1_234_500_000, prev=1_200_000_000, base=1_000_000_000, base_label="同比"),
        Kpi("od", "逾期率", RATIO, 0.031, prev=0.025, good_when_up=False, flag="高于 2.0%"),
        Kpi("n", "辅导备案", COUNT, 3, prev=4, unit="家", neutral=True),
        Kpi("flat", "在贷户数", COUNT, 10, prev=10, unit="户"),
        Kpi("none", "用信率", RATIO, None),
    )
    cards = {c.key: c for c in parse_cards(kpi_html(rows, 5))}
    assert list(cards) == ["bal", "od", "n", "flat", "none"]
    assert (cards["bal"].label, cards["bal"].value, cards["bal"].delta) == ("贷款余额", "12.35 亿元", "+3,450 万元")
    assert cards["bal"].level == "good" and cards["bal"].base.startswith("同比 +2.35 亿元")
    assert cards["od"].delta == "+0.6 个百分点" and cards["od"].level == "bad"      # a rise of a rate better low
    assert cards["od"].flag == "✕ 高于 2.0%"
    assert cards["n"].delta == "-1 家" and cards["n"].level == "off"               # counts neither good nor bad
    assert cards["flat"].delta == "0" and cards["flat"].level == "off"
    assert "持平" in kpi_html(rows[3:4], 5)
    assert (cards["none"].value, cards["none"].delta) == ("—", "")


def test_text_from_data_is_escaped():
    """A note names banks (reference data an import can bring): markup in it is shown, never run."""
    k = Kpi("x", "各项贷款余额", MONEY, 100, note='含沿用9月数据（<img src=x onerror="alert(1)">银行）',
            help='说明 "引号" & <b>')
    html = kpi_html((k,), 5)
    assert "<img" not in html and "<b>" not in html and 'onerror="' not in html
    (card,) = parse_cards(html)
    assert card.note == '含沿用9月数据（<img src=x onerror="alert(1)">银行）'
    assert card.help == '说明 "引号" & <b>'
