"""Small formatting rules shared by the screens: initials, due badges, local dates."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from app.i18n import t


def initials(name: str | None) -> str:
    """Two Latin initials ("Li Na" -> "LN") or the last two hanzi of a Chinese name (王伟 -> 王伟, 欧阳娜娜 -> 娜娜)."""
    name = (name or "").strip()
    if not name:
        return "?"
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        hanzi = [ch for ch in name if "\u4e00" <= ch <= "\u9fff"]
        return "".join(hanzi[-2:])
    parts = name.replace(".", " ").replace("_", " ").split()
    if len(parts) >= 2:
        return (parts[0][0] + parts[-1][0]).upper()
    return name[:2].upper()


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def due_label(
    due_at: str | None, now: datetime, zone: tzinfo | None = None, *, done: bool = False
) -> tuple[str, bool] | None:
    """The badge of a due time, in the device's zone: ("今天", False), ("逾期 3 天", True), ("11月28日", False).
    A done task is never overdue, nor "due tomorrow": its badge is the plain date it was due."""
    due = parse_time(due_at)
    if due is None:
        return None
    zone = zone or local_zone()
    local_due, local_now = due.astimezone(zone), now.astimezone(zone)
    if done:
        return format_date(local_due.date(), local_now.date()), False
    overdue = due < now
    days = (local_due.date() - local_now.date()).days
    if overdue and days < 0:
        return t("due.overdue_days", n=-days), True
    if days == 0:
        return (t("due.today_overdue") if overdue else t("due.today")), overdue
    if days == 1:
        return t("due.tomorrow"), False
    return format_date(local_due.date(), local_now.date()), False


def format_date(day: date, today: date) -> str:
    if day.year == today.year:
        return t("date.month_day", month=day.month, day=day.day)
    return t("date.year_month_day", year=day.year, month=day.month, day=day.day)


TIME_OF_DAY = re.compile(r"^(.*?)(?:\s+|T)(\d{1,2})[:：](\d{2})$")
END_OF_WORKING_DAY = time(18, 0)


def parse_local_date(text: str, zone: tzinfo | None = None) -> datetime | None:
    """A date typed by a person ("2026-11-30", "2026/11/30", "11-30", "11/30", "2026年11月30日"),
    optionally with a time after a space ("2026-11-30 15:30", "11-30 9:05"), in the device's zone;
    a date alone means the end of that working day (18:00). None for an empty text; ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    zone = zone or local_zone()
    today = datetime.now(zone).date()
    at = END_OF_WORKING_DAY
    timed = TIME_OF_DAY.match(text)
    if timed:
        text = timed.group(1).strip()
        try:
            at = time(int(timed.group(2)), int(timed.group(3)))
        except ValueError as exc:
            raise ValueError(f"not a date: {text!r}") from exc
    cleaned = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").replace("日", "")
    parts = [p for p in cleaned.split("-") if p]
    try:
        if len(parts) == 3:
            if len(parts[0]) != 4:  # "026-12-06" is a typo (a lost keystroke), never the year 26
                raise ValueError(text)
            day = date(int(parts[0]), int(parts[1]), int(parts[2]))
        elif len(parts) == 2:
            day = date(today.year, int(parts[0]), int(parts[1]))
        else:
            raise ValueError(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a date: {text!r}") from exc
    return datetime.combine(day, at, tzinfo=zone)


def has_time_of_day(text: str) -> bool:
    """Whether a typed date names its time too ("2026-11-30 15:30")."""
    return TIME_OF_DAY.match(text.strip()) is not None


def local_date_text(value: str | None, zone: tzinfo | None = None) -> str:
    """What a date field shows for a stored time in the device's zone: YYYY-MM-DD, with HH:MM after
    it unless the time is the end of the working day (what a date alone means)."""
    moment = parse_time(value)
    if moment is None:
        return ""
    local = moment.astimezone(zone or local_zone())
    if local.time().replace(second=0, microsecond=0) == END_OF_WORKING_DAY:
        return local.date().isoformat()
    return f"{local.date().isoformat()} {local:%H:%M}"


def relative_time(value: str | None, now: datetime) -> str:
    moment = parse_time(value)
    if moment is None:
        return ""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return t("time.just_now")
    if seconds < 3600:
        return t("time.minutes_ago", n=int(seconds // 60))
    if seconds < 86400:
        return t("time.hours_ago", n=int(seconds // 3600))
    if seconds < 86400 * 7:
        return t("time.days_ago", n=int(seconds // 86400))
    local = moment.astimezone(local_zone())
    return format_date(local.date(), (now.astimezone(local_zone())).date())


def end_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
