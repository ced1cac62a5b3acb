"""工作日历 (working-day calendar): mainland rest days, 调休 working weekends, and period arithmetic.

The State Council publishes each year's 法定节假日 and 调休 arrangement in the autumn before; the
``chinesecalendar`` package (import name ``chinese_calendar``) ships those notices as data. A date
outside the years it covers raises :class:`CalendarUnknownYear` (code ``calendar_unknown_year``):
treating an unknown year as "weekends only" would silently put a deadline on a day the bureau is
closed (or skip a 调休 Saturday on which it is open). A bureau that has the new notice before the
package is updated supplies the year as data (:class:`YearSupplement`, ``calendar_supplement`` in
``deadlines.yaml``).

Period rules implemented here:

- 期间开始的日不计算在期间内 — every count starts on the day after the trigger date.
- 期间届满的最后一日是法定休假日的，以休假日后的第一日为期间届满的日期 (民事诉讼法 第八十五条) —
  ``add_days(..., extend_over_holiday=True)`` and ``add_months(..., extend_over_holiday=True)``.
  Weekends count as 休假日 unless they are 调休 working days.
- "N 个工作日" (行政处罚法 第八十五条 for 二日/三日/五日/七日; 国办发〔2018〕118号 for publication) —
  :meth:`WorkingCalendar.add_working_days`.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import chinese_calendar
from chinese_calendar import constants as _cc_constants

from ..errors import ArchiveError

__all__ = ["CalendarUnknownYear", "WorkingCalendar", "YearSupplement", "add_months"]


class CalendarUnknownYear(ArchiveError):
    """The holiday arrangement of a year is not known (code ``calendar_unknown_year``).

    ``details``: ``year``, ``date`` (ISO) and ``covered`` — the list of years the calendar knows.
    """

    code = "calendar_unknown_year"


@dataclass(frozen=True)
class YearSupplement:
    """One year's 放假安排 given as data (国务院办公厅关于××年部分节假日安排的通知).

    For a year the package does not cover, the base is Monday–Friday working; ``holidays`` are the
    extra rest days and ``workdays`` the 调休 weekend days on which offices open. For a covered year
    the listed days override the package (e.g. an extended Spring Festival decided mid-year).
    """

    year: int
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    source: str = ""  # the notice, e.g. 国办发明电〔2026〕× 号

    def __post_init__(self) -> None:
        stray = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if stray:
            raise ValueError(f"calendar supplement {self.year}: dates of another year {stray}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"calendar supplement {self.year}: dates both holiday and workday {both}")


def _package_years() -> tuple[int, int]:
    # The package validates against the range of its own `holidays` table; read the same table so
    # that our check and its check never disagree after an upgrade.
    years = [d.year for d in _cc_constants.holidays]
    return min(years), max(years)


def add_months(d: dt.date, n: int) -> dt.date:
    """``d`` plus ``n`` calendar months; a day missing from the target month becomes its last day.

    民事诉讼法 rule for month periods: the period ends on the corresponding day of the last month,
    or on that month's last day when it has no such day (11-30 + 3 months → 02-28/29).
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    last = _stdlib_calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(d.day, last))


@dataclass(frozen=True)
class WorkingCalendar:
    """Mainland working days from ``chinese_calendar`` plus optional per-year supplements.

    ``strict=False`` is for estimates only: an unknown year is then treated as Monday–Friday working.
    :func:`~anjuan.archive.procedure.deadlines.compute_deadlines` uses it to keep a due date visible
    and marks that deadline ``provisional``; nothing else should.
    """

    supplements: Mapping[int, YearSupplement] = field(default_factory=dict)
    strict: bool = True

    @classmethod
    def with_supplements(cls, supplements: Iterable[YearSupplement]) -> WorkingCalendar:
        by_year: dict[int, YearSupplement] = {}
        for sup in supplements:
            if sup.year in by_year:
                raise ValueError(f"calendar supplement for {sup.year} given twice")
            by_year[sup.year] = sup
        return cls(supplements=by_year)

    def lenient(self) -> WorkingCalendar:
        """The same calendar, estimating unknown years as Monday–Friday (see the class docstring)."""
        return replace(self, strict=False)

    @property
    def package_years(self) -> tuple[int, int]:
        """First and last year of the installed ``chinesecalendar`` data."""
        return _package_years()

    def covered_years(self) -> list[int]:
        first, last = _package_years()
        return sorted(set(range(first, last + 1)) | set(self.supplements))

    def covers(self, d: dt.date) -> bool:
        first, last = _package_years()
        return first <= d.year <= last or d.year in self.supplements

    def is_working_day(self, d: dt.date) -> bool:
        """True on a day government offices are open (Mon–Fri not a holiday, or a 调休 weekend day)."""
        if isinstance(d, dt.datetime):
            d = d.date()
        sup = self.supplements.get(d.year)
        if sup is not None:
            if d in sup.workdays:
                return True
            if d in sup.holidays:
                return False
        first, last = _package_years()
        if first <= d.year <= last:
            return bool(chinese_calendar.is_workday(d))
        if sup is not None or not self.strict:
            return d.weekday() < 5
        raise CalendarUnknownYear(
            f"工作日历没有 {d.year} 年的节假日安排（已知年份 {first}–{last}"
            + (f"，补充 {sorted(self.supplements)}" if self.supplements else "")
            + "）；请升级工作日历，或在程序时限规则中补充该年放假安排",
            f"the working-day calendar has no holiday arrangement for {d.year} (known: {first}–{last}"
            + (f", supplemented {sorted(self.supplements)}" if self.supplements else "")
            + "); upgrade chinesecalendar or add the year to calendar_supplement in deadlines.yaml",
            details={"year": d.year, "date": d.isoformat(), "covered": self.covered_years()},
        )

    def next_working_day(self, d: dt.date) -> dt.date:
        """``d`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += dt.timedelta(days=1)
        return d

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``d`` (the day after ``d`` is the first counted).

        A negative ``n`` counts backwards (the ``|n|``-th working day before ``d``), for "not later
        than N working days before" rules such as the hearing notice (听证七日前通知).
        """
        if n == 0:
            return d
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def add_days(self, d: dt.date, n: int, *, extend_over_holiday: bool) -> dt.date:
        """``d`` plus ``n`` natural days; with ``extend_over_holiday`` a rest-day end moves to the next working day."""
        end = d + dt.timedelta(days=n)
        return self.next_working_day(end) if extend_over_holiday else end

    def add_months(self, d: dt.date, n: int, *, extend_over_holiday: bool = False) -> dt.date:
        """``d`` plus ``n`` months (end-of-month safe), optionally moved off a rest day."""
        end = add_months(d, n)
        return self.next_working_day(end) if extend_over_holiday else end
