"""The project dashboard's rules: how its figures read (rates, days), the weekly throughput as bars,
and each risk flag as a sentence with the tasks behind it. The numbers come from
`sync.planning.dashboard` (docs/metrics.md); nothing here computes a figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.i18n import t
from sync.planning import Dashboard, RiskFlag

NONE = "—"  # a rate whose denominator is 0, a percentile of no samples (docs/metrics.md)


def percent(rate: float | None) -> str:
    """A rate as a whole percentage, or "—" when it has no denominator."""
    return NONE if rate is None else f"{round(rate * 100)}%"


def days(value: float | None) -> str:
    """A duration in days, one decimal ("2.5 天" / "2.5 d"), or "—"."""
    return NONE if value is None else t("figures.days", n=f"{value:.1f}")


def estimate(value: float) -> str:
    """An estimate's sum without a needless ".0"."""
    return f"{value:g}"


@dataclass(frozen=True)
class Bar:
    label: str  # the bar's caption under the axis
    value: float
    tip: str  # what the bar says on its own (its semantics and tooltip)


def throughput_bars(board: Dashboard) -> list[Bar]:
    """One bar per week of the window, oldest first, captioned with its Monday (M/D)."""
    return [
        Bar(f"{monday.month}/{monday.day}", n, t("dashboard.week_done", day=monday.isoformat(), n=n))
        for monday, n in board.throughput
    ]


@dataclass(frozen=True)
class FlagView:
    """A risk flag as the dashboard shows it: a sentence, and the tasks it links to."""

    kind: str
    text: str
    task_ids: tuple[str, ...]
    blocker_ids: tuple[str, ...] = ()


def flag_view(flag: RiskFlag, subject: str) -> FlagView:
    """`subject` names the flag's milestone or iteration (empty for blocked tasks)."""
    n = len(flag.task_ids)
    if flag.kind in ("milestone_late", "iteration_late"):
        finish = flag.forecast.isoformat() if flag.forecast else t("dashboard.never")
        due = flag.due.isoformat() if flag.due else NONE
        text = t(f"dashboard.flag.{flag.kind}", name=subject, n=n, due=due, finish=finish)
    elif flag.kind == "scope_growth":
        growth = percent(flag.growth) if flag.growth is not None else t("dashboard.from_empty")
        text = t("dashboard.flag.scope_growth", name=subject, n=n, growth=growth)
    else:
        text = t("dashboard.flag.blocked_by_overdue", n=n, m=len(flag.blocker_ids))
    return FlagView(flag.kind, text, flag.task_ids, flag.blocker_ids)


def window_label(board: Dashboard, today: date) -> str:
    return t("dashboard.window", start=board.window_start.isoformat(), end=today.isoformat())
