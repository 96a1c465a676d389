"""The iterations screen's charts: an iteration's burndown (remaining work by task count or by
estimate, the ideal line, and the scope added after the start as its own line) and the velocity of
the last closed iterations. Figures from `sync.planning` (docs/metrics.md); each chart has its
numbers written beside it as text."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.dashboard import estimate
from app.state.iterations import MODES, series, velocity_bars
from app.ui.base import text, use_env, use_store
from app.ui.charts import Line, bar_chart, legend, line_chart
from app.ui.figures import section
from app.ui.screens.dashboard import PLANNING_ROWS, ZONE
from sync.planning import burndown, velocity

REMAINING, IDEAL, ADDED = ft.Colors.PRIMARY, ft.Colors.OUTLINE, ft.Colors.ORANGE_600
COMMITTED, COMPLETED = ft.Colors.OUTLINE_VARIANT, ft.Colors.PRIMARY


def mode_switch(mode: str, set_mode: Any) -> ft.Control:
    return ft.SegmentedButton(
        segments=[ft.Segment(value=m, label=t(f"iterations.by.{m}")) for m in MODES],
        selected=[mode],
        on_change=lambda e: set_mode(e.control.selected[0] if e.control.selected else MODES[0]),
        show_selected_icon=False,
    )


@ft.component
def Burndown(iteration: dict[str, Any], mode: str) -> ft.Control:
    env = use_env()
    store = env.core.store
    iteration_id = iteration["id"]
    found = use_store(lambda: burndown(store.conn, iteration_id, zone=ZONE), PLANNING_ROWS, [iteration_id])
    lines = series(found, mode)
    remaining, scope, added = lines.now
    captions = [f"{d.month}/{d.day}" for d in lines.days]
    chart = line_chart(
        captions,
        [
            Line(t("iterations.line.ideal"), lines.ideal, IDEAL, dashed=True),
            Line(t("iterations.line.added"), lines.added, ADDED),
            Line(t("iterations.line.remaining"), lines.remaining, REMAINING),
        ],
        lines.top,
    )
    figures = t("iterations.now", remaining=estimate(remaining), scope=estimate(scope), added=estimate(added))
    if found.closed:
        figures += " · " + t("iterations.spillover", n=estimate(remaining))
    key = ft.Semantics(content=text(figures, size=13, weight=ft.FontWeight.W_500), label=figures)
    return ft.Column(
        [
            legend(
                [
                    (t("iterations.line.remaining"), REMAINING),
                    (t("iterations.line.ideal"), IDEAL),
                    (t("iterations.line.added"), ADDED),
                ]
            ),
            chart,
            key,
        ],
        spacing=6,
    )


@ft.component
def VelocityChart(project_id: str, mode: str) -> ft.Control:
    env = use_env()
    store = env.core.store
    found = use_store(lambda: velocity(store.conn, project_id, zone=ZONE), PLANNING_ROWS, [project_id])
    bars, average = velocity_bars(found, mode)
    if not bars:
        return section(t("iterations.velocity"), text(t("iterations.no_closed"), size=12))
    chart = bar_chart([b.name for b in bars], [[b.committed, b.completed] for b in bars], [COMMITTED, COMPLETED])
    summary = t("iterations.velocity_average", n=f"{average:.1f}", count=len(bars))
    return section(
        t("iterations.velocity"),
        legend([(t("iterations.committed"), COMMITTED), (t("iterations.completed"), COMPLETED)]),
        chart,
        ft.Semantics(content=text(summary, size=12), label=summary),
    )
