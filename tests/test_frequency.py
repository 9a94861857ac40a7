"""The frequency rules, table-tested against the words of Havering's Appendix 3 and Barking and Dagenham's 5.1."""

from __future__ import annotations

import datetime as dt

import pytest

from workflows.frequency import Person, category_code, frequency_on

START = dt.date(2026, 1, 5)
# The key days, counted from the start (or qualification) date of 5 January 2026.
KEY_DAYS = {
    "day 1": dt.date(2026, 1, 5),
    "week 4": dt.date(2026, 2, 1),  # last day of the fourth week
    "week 6": dt.date(2026, 2, 15),  # last day of the sixth week
    "month 3": dt.date(2026, 4, 4),  # last day of the third month
    "month 6": dt.date(2026, 7, 4),  # last day of the sixth month
    "month 7": dt.date(2026, 7, 5),  # first day of the seventh month
    "year 1": dt.date(2027, 1, 5),
}
# The next session is due this long after a session held on each key day (worked out by hand).
DUE = {
    "weekly": ["2026-01-12", "2026-02-08", "2026-02-22", "2026-04-11", "2026-07-11", "2026-07-12", "2027-01-12"],
    "fortnightly": ["2026-01-19", "2026-02-15", "2026-03-01", "2026-04-18", "2026-07-18", "2026-07-19", "2027-01-19"],
    "every 3 weeks": ["2026-01-26", "2026-02-22", "2026-03-08", "2026-04-25", "2026-07-25", "2026-07-26",
                      "2027-01-26"],
    "every 4 weeks": ["2026-02-02", "2026-03-01", "2026-03-15", "2026-05-02", "2026-08-01", "2026-08-02", "2027-02-02"],
    "every 6 weeks": ["2026-02-16", "2026-03-15", "2026-03-29", "2026-05-16", "2026-08-15", "2026-08-16", "2027-02-16"],
    "monthly": ["2026-02-05", "2026-03-01", "2026-03-15", "2026-05-04", "2026-08-04", "2026-08-05", "2027-02-05"],
    "every 8 weeks": ["2026-03-02", "2026-03-29", "2026-04-12", "2026-05-30", "2026-08-29", "2026-08-30", "2027-03-02"],
    "quarterly": ["2026-04-05", "2026-05-01", "2026-05-15", "2026-07-04", "2026-10-04", "2026-10-05", "2027-04-05"],
}
W, F, M = "weekly", "fortnightly", "monthly"

# (pack, who, the person, what the policy requires on each key day in order)
POLICY_TABLE = [
    # H App. 3: "at least monthly for all staff (including agency)"; new staff "once per week for the first 4 weeks".
    ("havering", "all other staff", Person("all_staff", START), [W, W, M, M, M, M, M]),
    # "Day opportunities Staff: one to one - every 8 weeks" (and weekly as a new starter).
    ("havering", "day opportunities", Person("day_opportunities", START),
     [W, W, "every 8 weeks", "every 8 weeks", "every 8 weeks", "every 8 weeks", "every 8 weeks"]),
    # NQSW: "weekly for the first six weeks of employment; fortnightly up to six months; then monthly".
    ("havering", "newly qualified social worker", Person("newly_qualified_social_worker", START), [W, W, W, F, F, M, M]),
    # Non-registered: "fortnightly for the first three months post-qualification and at least monthly thereafter";
    # here they qualify on their first day, so the first four weeks are weekly as a new starter.
    ("havering", "newly qualified (non-registered), qualified on starting",
     Person("newly_qualified_non_registered", START, qualified_on=START), [W, W, F, F, M, M, M]),
    # The same, long in post, counted from qualification: fortnightly three months, then monthly.
    ("havering", "newly qualified (non-registered), in post a year",
     Person("newly_qualified_non_registered", dt.date(2025, 1, 6), qualified_on=START), [F, F, F, F, M, M, M]),
    ("havering", "apprentice", Person("apprentice", START), [W, W, F, F, F, F, F]),
    ("havering", "admin and non-case-holding", Person("non_case_holding", START),
     [W, W, "quarterly", "quarterly", "quarterly", "quarterly", "quarterly"]),
    # Outside the UK: "weekly for the first four weeks; fortnightly up to six months; a minimum of monthly after".
    ("havering", "appointed from outside the UK", Person("all_staff", START, appointed_from_overseas=True),
     [W, W, F, F, F, M, M]),
    # Both staged rules at once: the more frequent wins (weekly to six weeks as an NQSW).
    ("havering", "NQSW appointed from outside the UK",
     Person("newly_qualified_social_worker", START, appointed_from_overseas=True), [W, W, W, F, F, M, M]),
    # Part time: "by agreement" – the agreed every 6 weeks, after the new-starter weeks.
    ("havering", "part time, agreed every 6 weeks", Person("all_staff", START, part_time=True, agreed_weeks=6),
     [W, W, "every 6 weeks", "every 6 weeks", "every 6 weeks", "every 6 weeks", "every 6 weeks"]),
    # Students: "as per agreement with academic institution" – the agreed interval throughout.
    ("havering", "student, agreed every 3 weeks", Person("student_social_worker", START, agreed_weeks=3),
     ["every 3 weeks"] * 7),
    # A student with no agreement yet falls back to the policy's floor, monthly.
    ("havering", "student, no agreement yet", Person("student_social_worker", START), [M] * 7),
    # B&D 5.1 "every four to eight weeks": four weeks until an agreement sets the figure.
    ("barking-dagenham", "all staff, no agreement", Person("all_staff", START), ["every 4 weeks"] * 7),
    ("barking-dagenham", "all staff, agreed every 6 weeks", Person("all_staff", START, agreed_weeks=6),
     ["every 6 weeks"] * 7),
    # An agreement cannot stretch past the policy's eight weeks.
    ("barking-dagenham", "all staff, agreement says 10 weeks", Person("all_staff", START, agreed_weeks=10),
     ["every 8 weeks"] * 7),
    # B&D Appendix 1: "every 2 weeks for a newly qualified social worker completing the ASYE course".
    ("barking-dagenham", "NQSW on ASYE", Person("newly_qualified_social_worker", START), [F] * 7),
]


@pytest.mark.parametrize(
    ("pack", "person", "key", "expected", "due"),
    [
        pytest.param(pack, person, key, expected[i], DUE[expected[i]][i], id=f"{pack}: {who}: {key}")
        for pack, who, person, expected in POLICY_TABLE
        for i, key in enumerate(KEY_DAYS)
    ],
)
def test_next_supervision_is_due_when_the_policy_says(pack, person, key, expected, due):
    frequency = frequency_on(pack, person, KEY_DAYS[key])
    assert frequency.interval.label == expected
    assert frequency.due_after(KEY_DAYS[key]) == dt.date.fromisoformat(due)
    assert frequency.reason  # every answer cites the policy words it comes from


@pytest.mark.parametrize(
    ("person", "day", "expected"),
    [
        (Person("all_staff", START), dt.date(2026, 2, 2), "monthly"),  # day 29: no longer a new starter
        (Person("newly_qualified_social_worker", START), dt.date(2026, 2, 16), "fortnightly"),  # day 43
        (Person("all_staff", None), dt.date(2026, 1, 5), "monthly"),  # no start date: the staged rule cannot apply
        (Person("apprentice", dt.date(2026, 3, 2)), dt.date(2026, 2, 20), "weekly"),  # starting soon
    ],
)
def test_stage_boundaries(person, day, expected):
    assert frequency_on("havering", person, day).interval.label == expected


def test_a_month_after_the_31st_is_the_end_of_a_shorter_month():
    assert frequency_on("havering", Person("all_staff", None), dt.date(2026, 1, 31)).due_after(
        dt.date(2026, 1, 31)) == dt.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("pack", "typed", "code"),
    [
        ("havering", "Newly qualified social worker", "newly_qualified_social_worker"),
        ("havering", "apprentice", "apprentice"),
        ("havering", "Qualified social worker", "all_staff"),
        ("havering", "day_opportunities", "day_opportunities"),
        ("havering", "Astronaut", None),
        ("barking-dagenham", "Apprentice", None),  # B&D's policy has no apprentice category
        ("barking-dagenham", "Newly qualified social worker (ASYE)", "newly_qualified_social_worker"),
    ],
)
def test_categories_are_a_defined_list_per_organisation(pack, typed, code):
    assert category_code(pack, typed) == code
