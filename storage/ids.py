"""What text may name a row: ASCII digits that fit the database's integer id column."""

from __future__ import annotations

# The largest value a PostgreSQL `integer` (and so every id column) holds; a bigger number can name nothing.
LARGEST_ID = 2**31 - 1


def as_id(text: object) -> int | None:
    """The id `text` spells, or None: only ASCII digits (never "²" or "٣"), and never beyond the database's range."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 <= text <= LARGEST_ID else None
    value = str(text or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(LARGEST_ID)):
        return None
    number = int(value)
    return number if number <= LARGEST_ID else None


def as_whole_number(text: object) -> int | None:
    """A small whole number typed into a form (years, weeks), or None: ASCII digits only, at most nine of them."""
    value = str(text if text is not None else "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    return int(value)
