"""Planning figures computed on the device from its cache (docs/metrics.md defines each one).

Pure reads: every function takes a sqlite3 connection to the cache (a `Store`'s `conn`, or any
connection to its file) and answers with SQL aggregates over the view tables `task`, `status`,
`task_event`, `iteration` and `task_link`, never loading every task into Python.

- `burndown` and `velocity` (sync/planning/burndown.py): an iteration's burndown rebuilt from
  `task_event`, and completed work across the last closed iterations.
- `dashboard` (sync/planning/dashboard.py): a project's figures and risk flags (risks.py).
- `performance` (sync/planning/performance.py): one person's evidence for a period.
- `forecast` (sync/planning/forecast.py): when open work ends at the recent throughput.
- `jsonable`: any of these results as JSON values (the CLI's `--json`).
"""

from __future__ import annotations

from sync.planning.burndown import Burndown, BurndownPoint, Velocity, burndown, velocity
from sync.planning.dashboard import Dashboard, dashboard
from sync.planning.forecast import forecast_finish, throughput_per_day
from sync.planning.indexes import drop_indexes, ensure_indexes
from sync.planning.jsonable import jsonable
from sync.planning.performance import Performance, performance
from sync.planning.risks import RiskFlag, risk_flags

__all__ = [
    "Burndown",
    "BurndownPoint",
    "Dashboard",
    "Performance",
    "RiskFlag",
    "Velocity",
    "burndown",
    "dashboard",
    "drop_indexes",
    "ensure_indexes",
    "forecast_finish",
    "jsonable",
    "performance",
    "risk_flags",
    "throughput_per_day",
    "velocity",
]
