"""A hand-made service desk for the golden-number tests of the desk's figures: ticket and task rows
written into a real Store's cache through its pull-apply path (`Store.apply_pull`), shaped as the
server sends them. Ids are short readable names (`K1`), so expected answers read like the fixture.

Times are UTC; the desk's zone is Asia/Shanghai (UTC+8). Minutes in brackets are first responses.

Columns: category, agent, created, first response [minutes] (its due), resolved (its due), status
now, rating, reopened count.

    K1  experience  U1  03-02 02:00  03:00 [60] (06:00) met     03-03 02:00 (03-04) met   已解决    5  0
    K2  experience  U1  03-05 02:00  06:00 [240] (04:00) late   03-20 02:00 (03-10) late  已关闭    2  1
    K3  performance U2  03-10 02:00  02:30 [30] (04:00) met     - (03-12) late            处理中    -  1
    K4  performance U2  03-15 01:00  03:00 [120] (05:00) met    - (03-20), waiting        等待回复  -  0
    K5  security    -   03-31 15:00  - (04-01 01:00)            - (04-02)                 待处理    -  0
    K6  other       U1  02-25 02:00  02-25 03:00 (04:00) met    03-02 02:00 (03-01) late  已解决    4  0
    K7  feature     U2  03-31 17:00  17:10 (19:00) met          - (04-02)                 处理中    -  0
    K8  experience  U1  03-03 02:00  merged into K1: left out of every figure             已解决    1  0
    K9  feature     U2  03-20 02:00  02:10 [10] (04:00) met     03-25 02:00 (03-26) met   已解决    -  0
    K10 other       U1  01-10 02:00  -                          -                         待处理    -  0
    K11 other       U1  01-12 02:00  -                          01-20 02:00               已解决    -  0
    K12 other       U1  02-03 02:00  -                          02-04 02:00               已解决    -  0
    K13 other       U1  01-15 02:00  -                          02-05 02:00               已解决    -  0

K5 is created on 03-31 at 23:00 in Shanghai (in March); K7 at 01:00 on 04-01 there (in April). K10 to
K13 have no due times. The first-response minutes of K6 and K7 are outside March's cohort.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync.store import Store
from tests.sync import factories as f

PID = "FB"
U1, U2 = f.ME, f.OTHER
TODO, DOING, WAITING, RESOLVED, CLOSED = "S-todo", "S-doing", "S-wait", "S-resolved", "S-closed"


def at(text: str | None) -> str | None:
    """`2026-03-04T02:00` (UTC) in the server's spelling; a bare `03-04T02:00` is in 2026."""
    if text is None:
        return None
    return f"{text if text.startswith('20') else '2026-' + text}:00.000000Z"


def _status(status_id: str, name: str, category: str, position: str, pauses: bool = False) -> dict[str, Any]:
    row = f.status(PID, status_id, name, category, position)
    row["row"]["pauses_sla"] = pauses
    return row


class Desk:
    def __init__(self) -> None:
        project = f.project(PID, "FB", "用户反馈")
        project["row"]["kind"] = "service_desk"
        self.changes: list[dict[str, Any]] = [
            f.user(U1),
            f.user(U2, "李娜", "lina@example.com"),
            project,
            f.member(PID, U1),
            f.member(PID, U2, "member"),
            _status(TODO, "待处理", "todo", "a0"),
            _status(DOING, "处理中", "doing", "a1"),
            _status(WAITING, "等待用户回复", "doing", "a2", pauses=True),
            _status(RESOLVED, "已解决", "done", "a3"),
            _status(CLOSED, "已关闭", "done", "a4"),
        ]
        self.number = 0

    def ticket(
        self,
        ticket_id: str,
        category: str,
        agent: str | None,
        created: str,
        status: str,
        *,
        title: str = "反馈",
        description: str = "",
        fr: str | None = None,
        frd: str | None = None,
        res: str | None = None,
        rd: str | None = None,
        sat: int | None = None,
        reopened: int = 0,
        merged_into: str | None = None,
    ) -> None:
        self.number += 1
        self.changes.append(
            f.task(
                PID,
                status,
                ticket_id,
                number=self.number,
                title=title,
                description=description,
                type="ticket",
                assignee_id=agent,
                created_at=at(created),
                iteration_id=None,
            )
        )
        self.changes.append(
            f.change(
                "ticket",
                id=ticket_id,
                project_id=PID,
                requester_name="用户",
                requester_contact="",
                channel="app",
                category=category,
                severity=3,
                impact=3,
                first_response_due_at=at(frd),
                resolution_due_at=at(rd),
                first_response_at=at(fr),
                resolved_at=at(res),
                closed_at=None,
                reopened_count=reopened,
                satisfaction=sat,
                satisfaction_comment=None,
                merged_into_id=merged_into,
                escalated_task_id=None,
            )
        )

    def store(self, path: Path) -> Store:
        store = Store.open(path)
        store.set_account("http://keel.test", U1, "wangwei@example.com")
        store.apply_pull(f.page(*self.changes))
        return store


def desk() -> Desk:
    """The table of the module's docstring."""
    d = Desk()
    t = d.ticket
    t("K1", "experience", U1, "03-02T02:00", RESOLVED, fr="03-02T03:00", frd="03-02T06:00", res="03-03T02:00",
      rd="03-04T02:00", sat=5)  # fmt: skip
    t("K2", "experience", U1, "03-05T02:00", CLOSED, fr="03-05T06:00", frd="03-05T04:00", res="03-20T02:00",
      rd="03-10T02:00", sat=2, reopened=1)  # fmt: skip
    t("K3", "performance", U2, "03-10T02:00", DOING, fr="03-10T02:30", frd="03-10T04:00", rd="03-12T02:00", reopened=1)
    t("K4", "performance", U2, "03-15T01:00", WAITING, fr="03-15T03:00", frd="03-15T05:00", rd="03-20T02:00")
    t("K5", "security", None, "03-31T15:00", TODO, frd="04-01T01:00", rd="04-02T02:00")
    t("K6", "other", U1, "02-25T02:00", RESOLVED, fr="02-25T03:00", frd="02-25T04:00", res="03-02T02:00",
      rd="03-01T02:00", sat=4)  # fmt: skip
    t("K7", "feature", U2, "03-31T17:00", DOING, fr="03-31T17:10", frd="03-31T19:00", rd="04-02T02:00")
    t("K8", "experience", U1, "03-03T02:00", RESOLVED, fr="03-03T02:05", frd="03-03T06:00", res="03-03T03:00",
      rd="03-04T02:00", sat=1, merged_into="K1")  # fmt: skip
    t("K9", "feature", U2, "03-20T02:00", RESOLVED, fr="03-20T02:10", frd="03-20T04:00", res="03-25T02:00",
      rd="03-26T02:00")  # fmt: skip
    t("K10", "other", U1, "01-10T02:00", TODO)
    t("K11", "other", U1, "01-12T02:00", RESOLVED, res="01-20T02:00")
    t("K12", "other", U1, "02-03T02:00", RESOLVED, res="02-04T02:00")
    t("K13", "other", U1, "01-15T02:00", RESOLVED, res="02-05T02:00")
    return d
