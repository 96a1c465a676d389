"""The service desk's figures for one period, overall, by category and by agent (docs/metrics.md,
"Service desk figures"), in two statements over the view tables `task`, `ticket` and `status`.

Every ticket of the desk (merged ones apart) is read once into a materialised CTE; it is then repeated
under three groupings (all, its category, its assignee) and each figure is a sum over the group.
First-response percentiles are nearest-rank, per group, with window functions.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import get_args

from sync.planning._history import days_between
from sync.protocol import TicketCategory

CATEGORIES: tuple[str, ...] = get_args(TicketCategory)  # in the protocol's order


@dataclass(frozen=True)
class DeskFigures:
    """One group's figures for a period `[a, b]` (b = the end of the period, or now if earlier)."""

    created: int  # tickets created in the period (the cohort)
    resolved: int  # of the cohort, resolved now (resolved_at set, at or before the read instant)
    first_responses: int  # of the cohort, those with a first response
    first_response_p50_minutes: float | None
    first_response_p90_minutes: float | None
    sla_due: int  # targets (first response and resolution) due in the period and decided
    sla_met: int  # of those, met at or before their due time
    resolved_in_period: int  # tickets whose resolved_at is in the period
    rated: int  # of those, rated by the requester
    satisfied: int  # of the rated, a 4 or a 5
    resolved_once: int  # of the cohort, resolved at least once (resolved now, or reopened)
    reopened: int  # of those, reopened by the requester at least once

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.created)

    @property
    def sla_attainment(self) -> float | None:
        return _rate(self.sla_met, self.sla_due)

    @property
    def satisfaction(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    @property
    def response_rate(self) -> float | None:
        return _rate(self.rated, self.resolved_in_period)

    @property
    def reopen_rate(self) -> float | None:
        return _rate(self.reopened, self.resolved_once)


EMPTY = DeskFigures(0, 0, 0, None, None, 0, 0, 0, 0, 0, 0, 0)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# The desk's tickets, each once, with what the figures read; `paused`: its status pauses the SLA now.
_TICKETS = """
tk AS MATERIALIZED (
  SELECT t.id, t.created_at AS created, coalesce(t.assignee_id, '') AS agent, k.category,
    k.first_response_at AS fr, k.first_response_due_at AS frd, k.resolved_at AS res,
    k.resolution_due_at AS rd, k.reopened_count AS reopened, k.satisfaction AS sat,
    coalesce(s.pauses_sla, 0) AS paused, (t.created_at >= :a AND t.created_at <= :b) AS cohort
  FROM ticket k JOIN task t ON t.id = k.id LEFT JOIN status s ON s.id = t.status_id
  WHERE k.project_id = :p AND k.merged_into_id IS NULL),
g AS (
  SELECT 'all' AS dim, '' AS key, * FROM tk WHERE :all
  UNION ALL SELECT 'category', category, * FROM tk WHERE :grouped
  UNION ALL SELECT 'agent', agent, * FROM tk WHERE :grouped)"""

# A target counts when it is due in the period, unless it is unmet while its ticket waits (its due
# time moves when the pause ends); it is met when reached at or before its due instant.
_DUE = "({due} >= :a AND {due} <= :b AND NOT ({met} IS NULL AND paused))"
_MET = "({met} IS NOT NULL AND {met} <= {due})"
_FR_DUE, _RES_DUE = _DUE.format(due="frd", met="fr"), _DUE.format(due="rd", met="res")
_FR_MET, _RES_MET = _MET.format(due="frd", met="fr"), _MET.format(due="rd", met="res")
_IN_PERIOD = "(res >= :a AND res <= :b)"

_SUMS = f"""
WITH {_TICKETS}
SELECT dim, key, total(cohort), total(cohort AND res <= :now), total(cohort AND fr IS NOT NULL),
  total({_FR_DUE}) + total({_RES_DUE}), total({_FR_DUE} AND {_FR_MET}) + total({_RES_DUE} AND {_RES_MET}),
  total({_IN_PERIOD}), total({_IN_PERIOD} AND sat IS NOT NULL), total({_IN_PERIOD} AND sat >= 4),
  total(cohort AND (res IS NOT NULL OR reopened > 0)), total(cohort AND reopened > 0)
FROM g GROUP BY dim, key
"""

_PERCENTILES = f"""
WITH {_TICKETS},
v AS (SELECT dim, key, {days_between("created", "fr")} * 1440 AS v FROM g WHERE cohort AND fr IS NOT NULL),
r AS (SELECT dim, key, v, row_number() OVER (PARTITION BY dim, key ORDER BY v) AS rn,
  count(*) OVER (PARTITION BY dim, key) AS n FROM v)
SELECT dim, key, max(CASE WHEN rn = (n * 50 + 99) / 100 THEN v END), max(CASE WHEN rn = (n * 90 + 99) / 100 THEN v END)
FROM r GROUP BY dim, key
"""


def figures(
    conn: sqlite3.Connection, project_id: str, a: str, b: str, now: str, *, grouped: bool = True
) -> dict[tuple[str, str], DeskFigures]:
    """Figures of the period `[a, b]` read at `now` (UTC instants in the cache's spelling) by (dim, key):
    ('all', '') and, when `grouped`, ('category', category) and ('agent', assignee id, '' for unassigned)."""
    params = {"p": project_id, "a": a, "b": b, "now": now, "all": 1, "grouped": int(grouped)}
    tiles = {(dim, key): (p50, p90) for dim, key, p50, p90 in conn.execute(_PERCENTILES, params)}
    out: dict[tuple[str, str], DeskFigures] = {}
    for dim, key, *sums in conn.execute(_SUMS, params):
        p50, p90 = tiles.get((dim, key), (None, None))
        n = [int(x) for x in sums]
        out[(dim, key)] = DeskFigures(n[0], n[1], n[2], p50, p90, *n[3:])
    return out
