"""The time now, and dates and times as people in the UK read and write them: on pages, in emails and documents."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """The same instant as a UTC-aware datetime (SQLite returns naive ones, which are UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def uk_time(moment: dt.datetime, *, with_offset: bool = False, with_seconds: bool = False) -> str:
    """A moment in UK local time: "31 December 2026 at 14:05", with "GMT (UTC+00:00)" after it as evidence."""
    local = as_utc(moment).astimezone(UK)
    text = f"{local.day} {local:%B %Y} at {local:%H:%M:%S}" if with_seconds else f"{local.day} {local:%B %Y} at {local:%H:%M}"
    if with_offset:
        offset = local.strftime("%z")
        text += f" {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"
    return text


def uk_date(day: dt.date | dt.datetime | str) -> str:
    """A date as people write it: "31 December 2026" (a moment is taken in UK local time)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if isinstance(day, dt.datetime):
        day = as_utc(day).astimezone(UK).date()
    return f"{day.day} {day:%B %Y}"


def add_years(day: dt.date | str, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def parse_date(raw: dt.date | str | None, label: str) -> tuple[dt.date | None, str | None]:
    """A date written as YYYY-MM-DD (or DD/MM/YYYY, as Excel in the UK re-saves it), or a message saying what to do."""
    if isinstance(raw, dt.date):
        return raw, None
    text = (raw or "").strip()
    if not text:
        return None, f"Enter the {label}"
    try:
        if _ISO_DATE.match(text):
            return dt.date.fromisoformat(text), None
        if match := _UK_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day), None
    except ValueError:
        return None, f"Enter the {label} as a real date, like 2026-01-05"
    return None, f"Enter the {label} in the format year-month-day, like 2026-01-05"
