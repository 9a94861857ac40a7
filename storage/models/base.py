"""What every model shares: the declarative base and a timestamp column that is always UTC."""

from __future__ import annotations

from sqlalchemy import DateTime

from storage.db import Base
from storage.times import as_utc, utcnow

__all__ = ["Base", "UTCDateTime", "as_utc", "utcnow"]


class UTCDateTime(DateTime):
    """Stored in UTC; handed back timezone-aware even from SQLite, which forgets the zone."""

    cache_ok = True

    def __init__(self):
        super().__init__(timezone=True)
