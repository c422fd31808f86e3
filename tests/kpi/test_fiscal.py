import datetime as dt

import pytest

from smartdocho.fiscal import (
    FiscalYearError,
    era_label,
    fiscal_year_of,
    format_fy,
    format_fy_en,
    mentions_fy,
    parse_fy,
)


def test_fiscal_year_is_shown_in_reiwa_with_the_western_year():
    assert format_fy(2024) == "R6（2024年度）"
    assert format_fy(2022) == "R4（2022年度）"
    assert format_fy_en(2025) == "R7 (FY2025)"


@pytest.mark.parametrize("n", range(1, 21))
def test_reiwa_years_round_trip(n):
    fy = 2018 + n
    assert era_label(fy) == f"R{n}"
    assert parse_fy(f"R{n}") == fy
    assert parse_fy(f"令和{n}年度") == fy
    assert parse_fy(format_fy(fy)) == fy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R6", 2024),
        ("r6", 2024),
        ("令和6年度", 2024),
        ("令和元年度", 2019),
        ("R元", 2019),
        ("H30", 2018),
        ("平成30年度", 2018),
        ("H31", 2019),
        ("平成31年度", 2019),
        ("2024", 2024),
        ("2024年度", 2024),
        ("FY2024", 2024),
        ("Ｒ６", 2024),
        ("２０２４", 2024),
        (" R7 ", 2025),
        (2023, 2023),
    ],
)
def test_parses_the_forms_staff_write(text, expected):
    assert parse_fy(text) == expected


def test_heisei_years_are_shown_as_heisei_before_reiwa():
    assert era_label(2018) == "H30"
    assert format_fy(2018) == "H30（2018年度）"
    # FY2019 is both 平成31年度 and 令和元年度; it is shown in the era it ends in.
    assert era_label(2019) == "R1"


@pytest.mark.parametrize(
    "text",
    ["", "R", "R0", "令和", "H32", "H99", "2024年", "abc", "R6（2023年度）", "12345", "1800"],
)
def test_rejects_what_is_not_a_fiscal_year_with_a_japanese_message(text):
    with pytest.raises(FiscalYearError) as err:
        parse_fy(text)
    assert "年度" in str(err.value) or "元号" in str(err.value) or "和暦" in str(err.value)


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (dt.date(2025, 3, 31), 2024),
        (dt.date(2025, 4, 1), 2025),
        (dt.date(2019, 4, 30), 2019),
        (dt.date(2026, 1, 15), 2025),
    ],
)
def test_a_date_belongs_to_the_fiscal_year_that_started_in_april(day, fy):
    assert fiscal_year_of(day) == fy


@pytest.mark.parametrize(
    ("text", "fy", "mentioned"),
    [
        ("85%以上（R8年度）", 2026, True),
        ("85%以上(r8)", 2026, True),
        ("令和８年度末までに80%", 2026, True),
        ("2026年度に100件", 2026, True),
        ("２０２６年までに", 2026, True),
        ("令和元年度の水準を維持", 2019, True),
        ("R1水準", 2019, True),
        ("85%以上（R8年度）", 2025, False),
        ("R80", 2026, False),
        ("HR8", 2026, False),
        ("12026年", 2026, False),
        ("2026件", 2026, False),
        ("80%以上", 2026, False),
        ("H30年度比2倍", 2018, True),
    ],
)
def test_a_text_names_its_fiscal_year(text, fy, mentioned):
    assert mentions_fy(text, fy) is mentioned
