"""The service desk's figures computed on the device from its cache (docs/metrics.md, "Service desk
figures"): the same numbers for the app's desk dashboard and `keel report desk`.

- `desk_report` (`_report.py`): one period's figures overall, by category and by agent
  (`_figures.py`, SQL aggregates over the view tables `ticket`, `task` and `status`), tickets per
  day and the monthly series.
- `frequent` (`_frequent.py`): 高频问题, clusters of similar tickets through `sync.similar`.
"""

from __future__ import annotations

from sync.desk_metrics._figures import CATEGORIES, DeskFigures, figures
from sync.desk_metrics._frequent import Example, Problem, frequent, requirement_text
from sync.desk_metrics._report import DeskReport, Group, MonthPoint, desk_report, desk_zone

__all__ = [
    "CATEGORIES",
    "DeskFigures",
    "DeskReport",
    "Example",
    "Group",
    "MonthPoint",
    "Problem",
    "desk_report",
    "desk_zone",
    "figures",
    "frequent",
    "requirement_text",
]
