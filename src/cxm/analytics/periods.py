"""KPI periods: a month (2026-10), a quarter (2026-Q3) or a year (2026), and the one before."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from cxm.core.errors import ValidationError


def previous_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")


def months_of(period: str) -> list[str]:
    """The months of a period: a month (2026-10), a quarter (2026-Q3) or a year (2026)."""
    match = PERIOD.match(period)
    if match is None:
        raise ValidationError(f"period must be YYYY-MM, YYYY-Qn or YYYY, not {period!r}")
    year, month, quarter = match.groups()
    if month:
        return [period]
    first, count = ((int(quarter) - 1) * 3 + 1, 3) if quarter else (1, 12)
    return [f"{year}-{m:02d}" for m in range(first, first + count)]


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """The period's first instant and the first instant after it (organization time)."""
    months = months_of(period)
    start = datetime(int(months[0][:4]), int(months[0][5:7]), 1)
    y, m = int(months[-1][:4]), int(months[-1][5:7])
    return start, (datetime(y + 1, 1, 1) if m == 12 else datetime(y, m + 1, 1))


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The first instant of ``since`` and the first after ``until`` (either may be open)."""
    start = datetime.combine(since, time()) if since else None
    end = datetime.combine(until + timedelta(days=1), time()) if until else None
    return start, end


def previous_period(period: str) -> str:
    """The period of the same length just before."""
    match = PERIOD.match(period)
    if match is None:
        raise ValidationError(f"period must be YYYY-MM, YYYY-Qn or YYYY, not {period!r}")
    year, month, quarter = match.groups()
    if month:
        return previous_month(period)
    if quarter:
        q = int(quarter)
        return f"{int(year) - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    return str(int(year) - 1)


def latest_period(months: set[str], today: date | None = None) -> str | None:
    """The last complete month, or the newest month with answers if that one has none."""
    today = today or date.today()
    last_complete = previous_month(f"{today.year:04d}-{today.month:02d}")
    if not months:
        return None
    return last_complete if last_complete in months else max(months)
