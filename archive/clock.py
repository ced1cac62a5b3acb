"""One source of "today" and "now" for the whole archive.

Dates on documents, deadlines and periods are Beijing dates (Asia/Shanghai) whatever the server's time
zone; instants are stored in UTC. :class:`Clock` is what services ask; a test or a back-filling run
gives the kernel a :class:`FixedClock` instead of patching the system time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

__all__ = ["CHINA", "Clock", "FixedClock", "SystemClock", "beijing_date", "beijing_time", "today"]

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today's Beijing date, from the system clock."""
    return dt.datetime.now(CHINA).date()


def beijing_time(moment: dt.datetime) -> dt.datetime:
    """A stored instant in Beijing time (SQLite hands timestamps back naive, in UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA)


def beijing_date(moment: dt.datetime | None) -> dt.date | None:
    """The Beijing calendar date of a stored instant."""
    return None if moment is None else beijing_time(moment).date()


class Clock:
    """What time it is, for the archive's services."""

    def now(self) -> dt.datetime:
        """The current instant (aware, UTC)."""
        raise NotImplementedError

    def today(self) -> dt.date:
        """Today's Beijing date."""
        return self.now().astimezone(CHINA).date()


class SystemClock(Clock):
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class FixedClock(Clock):
    """A clock standing still at ``instant`` (aware)."""

    instant: dt.datetime

    def now(self) -> dt.datetime:
        return self.instant
