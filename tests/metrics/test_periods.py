"""UK financial years, quarters and months, and every period form that real files use."""

from datetime import date

import pytest

from metrics.periods import (
    Period,
    PeriodError,
    financial_year_of,
    find_financial_year,
    fy_label,
    months_of_financial_year,
    parse_financial_year,
    parse_period,
)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2019-04", "Apr 2019"),
        ("2019-04-01", "Apr 2019"),
        ("2017-03-15", "Mar 2017"),
        ("2019-04-01 00:00:00", "Apr 2019"),  # an Excel date cell read as text
        ("01/04/2019", "Apr 2019"),
        ("April 2019", "Apr 2019"),
        ("Apr-19", "Apr 2019"),
        ("Apr 2019", "Apr 2019"),
        ("apr 19", "Apr 2019"),
        ("Sept 2018", "Sep 2018"),
        ("  Jan-2017 ", "Jan 2017"),
        ("201904", "Apr 2019"),
        ("2019/20", "2019/20"),
        ("2019-20", "2019/20"),
        ("2014/15", "2014/15"),
        ("2010-11", "2010/11"),
        ("2019/2020", "2019/20"),
        ("19/20", "2019/20"),
        ("FY2019/20", "2019/20"),
        ("Q1 2019/20", "Q1 2019/20"),
        ("Q4 23/24", "Q4 2023/24"),
        ("q2 2019-20", "Q2 2019/20"),
        ("2019/20 Q3", "Q3 2019/20"),
        ("M4 2023/24", "Jul 2023"),
        ("M12 2023/24", "Mar 2024"),
    ],
)
def test_every_period_form_in_real_files_is_read(text: str, label: str) -> None:
    assert parse_period(text).label == label


def test_financial_year_with_a_month_name_puts_january_in_the_second_year() -> None:
    assert parse_period("2010-11", month_name_context="January") == Period.month(2011, 1)
    assert parse_period("2010-11", month_name_context="August") == Period.month(2010, 8)
    assert parse_period("2016-17", month_name_context="March") == Period.month(2017, 3)


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("Apr", Period.month(2017, 4)),
        ("Dec", Period.month(2017, 12)),
        ("Mar", Period.month(2018, 3)),
    ],
)
def test_bare_month_takes_its_year_from_the_financial_year(month: str, expected: Period) -> None:
    assert parse_period(month, financial_year=2017) == expected
    assert parse_period(month, financial_year="2017-18") == expected


def test_ambiguous_dash_pair_is_a_year_unless_the_column_holds_months() -> None:
    assert parse_period("2011-12") == Period.year(2011)
    assert parse_period("2011-12", ambiguous_as="month") == Period.month(2011, 12)
    assert parse_period("2019-04", ambiguous_as="year") == Period.month(2019, 4)


def test_unrecognised_text_gets_a_plain_message() -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period("Smarch 2019")
    assert str(caught.value) == (
        "'Smarch 2019' is not a month, quarter or financial year we recognise; "
        "use e.g. 'Apr 2019', '2019-04' or '2019/20'"
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "blank"),
        ("Apr", "month without a year"),
        ("2019", "calendar year"),
        ("2019/21", "second year should follow"),
        ("2019-02-30", "not a real date"),
        ("Q5 2019/20", "not a month, quarter"),
    ],
)
def test_bad_periods_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(PeriodError, match=words):
        parse_period(text)


def test_period_error_is_a_value_error() -> None:
    assert issubclass(PeriodError, ValueError)


def test_bad_month_name_beside_a_year_is_named() -> None:
    with pytest.raises(PeriodError, match="'Smarch' is not a month name"):
        parse_period("2010-11", month_name_context="Smarch")


def test_period_ends_and_labels() -> None:
    quarter = Period.quarter(2019, 4)
    assert (quarter.start, quarter.end, quarter.label) == (
        date(2020, 1, 1),
        date(2020, 3, 31),
        "Q4 2019/20",
    )
    year = Period.year(2019)
    assert (year.end, year.label, year.financial_year) == (date(2020, 3, 31), "2019/20", 2019)
    february = Period.month(2020, 2)
    assert (february.end, february.financial_year) == (date(2020, 2, 29), 2019)


def test_period_rejects_impossible_starts() -> None:
    with pytest.raises(ValueError):
        Period("year", date(2019, 1, 1))
    with pytest.raises(ValueError):
        Period("week", date(2019, 4, 1))


def test_financial_year_helpers() -> None:
    assert financial_year_of(date(2020, 1, 15)) == 2019
    assert financial_year_of(date(2020, 4, 1)) == 2020
    months = months_of_financial_year(2017)
    assert [m.label for m in (months[0], months[8], months[11])] == [
        "Apr 2017",
        "Dec 2017",
        "Mar 2018",
    ]
    assert fy_label(1999) == "1999/00"
    assert parse_financial_year("2017-18") == 2017


def test_financial_year_is_found_in_a_title() -> None:
    assert find_financial_year("BCF Monitoring - 2017-18 Plans") == 2017
    assert find_financial_year("Figure 21 – Non Elective Admissions Plan") is None


def test_periods_sort_by_start() -> None:
    assert sorted([Period.month(2019, 5), Period.month(2019, 4)])[0] == Period.month(2019, 4)
