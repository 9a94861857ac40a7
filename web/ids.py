"""Ids in addresses: `<int:…>` matches only what could name a row, so a huge or Unicode number is a 404."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

from storage.ids import as_id


class IdConverter(BaseConverter):
    """`<int:…>` in a route: an id the database could hold, or no match (404) rather than an overflow (500)."""

    regex = r"[0-9]{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = as_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))
