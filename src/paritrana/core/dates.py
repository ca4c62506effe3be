"""Dates as the people using Paritrana see them: today is today in Indonesia's western time zone (WIB)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def today() -> date:
    """Today's date in Asia/Jakarta (a server in UTC would otherwise be a day behind until 07:00 WIB)."""
    return datetime.now(JAKARTA).date()
