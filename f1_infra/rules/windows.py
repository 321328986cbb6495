"""Time windows of AWS data stores (RDS and ElastiCache use the same formats), shared by their rules.

A daily window is hh:mm-hh:mm and a weekly one ddd:hh:mm-ddd:hh:mm, both in UTC; either may
run past midnight (or past Sunday). Overlaps are found by laying both on the minutes of a week.
"""

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES

Interval = tuple[int, int]  # start and end minute of the week, end > start (may exceed WEEK_MINUTES)


def _clock(text: str) -> int | None:
    hours, minutes = (int(part) for part in text.split(":"))
    return hours * 60 + minutes if hours < 24 and minutes < 60 else None


def _span(start: int, end: int, period: int) -> Interval:
    return start, end if end > start else end + period


def daily(window: str) -> tuple[Interval | None, str]:
    """The window's start and end within a day, or an error message."""
    start, end = (_clock(part) for part in window.split("-"))
    if start is None or end is None:
        return None, f"{window!r} is not a valid time range; write hh:mm-hh:mm with hours 00-23 and minutes 00-59"
    if start == end:
        return None, f"{window!r} starts and ends at the same time"
    return _span(start, end, DAY_MINUTES), ""


def weekly(window: str) -> tuple[Interval | None, str]:
    """The window's start and end within a week, or an error message."""
    starts, ends = window.split("-")
    (start_day, start_clock), (end_day, end_clock) = (part.split(":", 1) for part in (starts, ends))
    start, end = _clock(start_clock), _clock(end_clock)
    if start is None or end is None:
        return None, f"{window!r} is not a valid time range; write ddd:hh:mm-ddd:hh:mm with hours 00-23, minutes 00-59"
    begin = DAYS.index(start_day) * DAY_MINUTES + start
    finish = DAYS.index(end_day) * DAY_MINUTES + end
    if begin == finish:
        return None, f"{window!r} starts and ends at the same time"
    return _span(begin, finish, WEEK_MINUTES), ""


def length(interval: Interval) -> int:
    return interval[1] - interval[0]


def daily_overlaps_weekly(day_window: Interval, week_window: Interval) -> bool:
    """Whether a window repeated every day meets a weekly window."""
    start, end = week_window
    for day in range(-1, 8):
        a, b = day_window[0] + day * DAY_MINUTES, day_window[1] + day * DAY_MINUTES
        for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES):
            if a < end + shift and start + shift < b:
                return True
    return False
