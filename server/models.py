"""The server's tables. They have a registry of their own, so the client's cache models can share a process."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

# A BIGINT that is SQLite's rowid alias when it is the primary key, so the feed is clustered by seq.
SeqInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Byte-order collation for fractional-index positions on PostgreSQL; SQLite's default is BINARY.
PositionText = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; timestamptz on PostgreSQL, naive UTC text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ServerModel(SQLModel, registry=registry()):
    pass


metadata = ServerModel.metadata


def _id() -> str:
    return Field(primary_key=True, max_length=36)  # type: ignore[no-any-return]


class User(ServerModel, table=True):
    __tablename__ = "users"
    id: str = _id()
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(sa_type=UtcDateTime)


class TokenFamily(ServerModel, table=True):
    """One sign-in: its refresh tokens rotate inside it; revoking it ends every token it issued."""

    __tablename__ = "token_families"
    id: str = _id()
    user_id: str = Field(max_length=36, index=True)
    revoked: bool = False
    created_at: datetime = Field(sa_type=UtcDateTime)


class RefreshToken(ServerModel, table=True):
    __tablename__ = "refresh_tokens"
    token_hash: str = Field(primary_key=True, max_length=64)  # sha256 hex of the token
    family_id: str = Field(max_length=36, index=True)
    spent: bool = False
    expires_at: datetime = Field(sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)


class ServerSecret(ServerModel, table=True):
    """Signing keys shared by every server process of one database."""

    __tablename__ = "server_secrets"
    name: str = Field(primary_key=True, max_length=50)
    value: str = Field(max_length=200)


class Counter(ServerModel, table=True):
    """The global `seq`: its row is locked from allocation to commit, which serialises writers."""

    __tablename__ = "counters"
    name: str = Field(primary_key=True, max_length=50)
    value: int = Field(sa_type=sa.BigInteger)


class ClientState(ServerModel, table=True):
    __tablename__ = "clients"
    user_id: str = Field(primary_key=True, max_length=36)
    client_id: str = Field(primary_key=True, max_length=100)
    last_mutation_id: int = Field(default=0, sa_type=sa.BigInteger)


class RejectedMutation(ServerModel, table=True):
    """Why a mutation was rejected, so a resent duplicate can still say it (its answer may have been lost)."""

    __tablename__ = "rejected_mutations"
    user_id: str = Field(primary_key=True, max_length=36)
    client_id: str = Field(primary_key=True, max_length=100)
    mutation_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    error: str = Field(sa_type=sa.Text)  # the rejection's error object, as JSON


class Project(ServerModel, table=True):
    __tablename__ = "projects"
    id: str = _id()
    name: str = Field(max_length=200)
    key: str = Field(max_length=10, unique=True)
    kind: str = Field(max_length=20)
    description: str = Field(sa_type=sa.Text)
    archived: bool = False
    calendar: str = Field(default="cn", max_length=10)
    next_number: int = 1
    deleted: bool = False


class Member(ServerModel, table=True):
    __tablename__ = "members"
    __table_args__ = (sa.UniqueConstraint("project_id", "user_id"), sa.Index("ix_members_user", "user_id", "deleted"))
    id: str = _id()
    project_id: str = Field(max_length=36)
    user_id: str = Field(max_length=36)
    role: str = Field(max_length=10)
    deleted: bool = False


class Status(ServerModel, table=True):
    __tablename__ = "statuses"
    id: str = _id()
    project_id: str = Field(max_length=36, index=True)
    name: str = Field(max_length=200)
    category: str = Field(max_length=10)
    position: str = Field(sa_type=PositionText)
    deleted: bool = False
    pauses_sla: bool = False  # the service desk's "waiting for the requester" (PROTOCOL-2.md)


class Task(ServerModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.Index("ix_tasks_board", "project_id", "status_id", "deleted", "position"),
        sa.Index("ix_tasks_due", "due_at", "deleted"),
        sa.Index("ix_tasks_iteration", "iteration_id", "deleted"),
        sa.UniqueConstraint("project_id", "number"),
    )
    id: str = _id()
    project_id: str = Field(max_length=36)
    number: int
    title: str = Field(max_length=500)
    description: str = Field(sa_type=sa.Text)
    status_id: str = Field(max_length=36)
    assignee_id: str | None = Field(default=None, max_length=36)
    reporter_id: str | None = Field(default=None, max_length=36)  # null: a ticket from intake or the form
    priority: str = Field(max_length=10)
    type: str = Field(max_length=12)
    labels: str = Field(sa_type=sa.Text)  # JSON list
    parent_id: str | None = Field(default=None, max_length=36, index=True)
    position: str = Field(sa_type=PositionText)
    start_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    estimate: float | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    deleted: bool = False
    iteration_id: str | None = Field(default=None, max_length=36)  # PROTOCOL-2.md: the task's sprint


class Iteration(ServerModel, table=True):
    """A sprint (PROTOCOL-2.md `iteration`): `closed` only through `iteration.close`, for good."""

    __tablename__ = "iterations"
    id: str = _id()
    project_id: str = Field(max_length=36, index=True)
    name: str = Field(max_length=200)
    goal: str = Field(sa_type=sa.Text)
    start_on: date
    end_on: date
    state: str = Field(max_length=10)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    deleted: bool = False


class TaskLink(ServerModel, table=True):
    """A dependency or relation between two tasks of one project (PROTOCOL-2.md `task_link`); its id is
    `task_link_id(kind, from_id, to_id)`, so removing and putting it again revives the same row."""

    __tablename__ = "task_links"
    __table_args__ = (
        # The cycle check walks `blocks` links forward from a task; a deleted task's links are found by either end.
        sa.Index("ix_task_links_from", "from_id", "kind", "deleted"),
        sa.Index("ix_task_links_to", "to_id", "deleted"),
    )
    id: str = _id()
    project_id: str = Field(max_length=36, index=True)
    from_id: str = Field(max_length=36)
    to_id: str = Field(max_length=36)
    kind: str = Field(max_length=12)
    lag_days: int = 0
    deleted: bool = False


class Comment(ServerModel, table=True):
    __tablename__ = "comments"
    id: str = _id()
    task_id: str = Field(max_length=36, index=True)
    project_id: str = Field(max_length=36)
    author_id: str | None = Field(default=None, max_length=36)  # null: a requester's reply through the portal
    body: str = Field(sa_type=sa.Text)
    mentions: str = Field(sa_type=sa.Text)  # JSON list
    created_at: datetime = Field(sa_type=UtcDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    deleted: bool = False
    visibility: str = Field(default="public", max_length=10)  # `internal` or `public` (PROTOCOL-2.md)
    author_name: str | None = Field(default=None, max_length=200)  # the requester's name on a portal reply


class Ticket(ServerModel, table=True):
    """What only a ticket has (PROTOCOL-2.md `ticket`); the same id as its task.

    Besides the wire's fields, the server keeps the SLA's bookkeeping: when each target reaches 75% of
    its time (`*_warn_at`, for the scheduler), the pauses so far (JSON list of [start, end or null]),
    when the requester last rated (once per resolution), whether the escalated task's first
    completion was announced, and when a resolved ticket closes by itself."""

    __tablename__ = "tickets"
    __table_args__ = (
        sa.Index("ix_tickets_escalated", "escalated_task_id"),
        sa.Index("ix_tickets_auto_close", "auto_close_at", "closed_at"),
        # The scheduler's scans: unmet targets by when they warn (the breach scan walks the same rows).
        sa.Index("ix_tickets_first_response", "first_response_at", "first_response_warn_at"),
        sa.Index("ix_tickets_resolution", "resolved_at", "resolution_warn_at"),
    )
    id: str = _id()
    project_id: str = Field(max_length=36, index=True)
    requester_name: str = Field(max_length=200)
    requester_contact: str = Field(max_length=200)
    channel: str = Field(max_length=10)
    category: str = Field(max_length=12)
    severity: int
    impact: int
    first_response_due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolution_due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reopened_count: int = 0
    satisfaction: int | None = None
    satisfaction_comment: str | None = Field(default=None, sa_type=sa.Text)
    merged_into_id: str | None = Field(default=None, max_length=36)
    escalated_task_id: str | None = Field(default=None, max_length=36)
    deleted: bool = False
    first_response_warn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolution_warn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    pauses: str = Field(default="[]", sa_type=sa.Text)
    rated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    linked_done_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    auto_close_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # resolved_at + auto_close_days


class SlaPolicy(ServerModel, table=True):
    """A desk's SLA for one priority (PROTOCOL-2.md `sla_policy`), id `sla_policy_id(project, priority)`."""

    __tablename__ = "sla_policies"
    id: str = _id()
    project_id: str = Field(max_length=36, index=True)
    priority: str = Field(max_length=10)
    first_response_minutes: int
    resolution_minutes: int
    calendar: str = Field(max_length=10)
    business_start: str = Field(max_length=5)
    business_end: str = Field(max_length=5)
    time_zone: str = Field(max_length=64)
    holidays: str = Field(max_length=10)
    auto_close_days: int
    deleted: bool = False


class DeskIntake(ServerModel, table=True):
    """A desk's intake settings. The key is derived from the server's secret and `generation`, so
    the table holds no secret and a rotation (generation + 1) stops the old key at once."""

    __tablename__ = "desk_intake"
    project_id: str = Field(primary_key=True, max_length=36)
    generation: int = 0
    public_form: bool = False


class TaskEvent(ServerModel, table=True):
    """A task's history (PROTOCOL-2.md `task_event`): insert-only, written with the change it records."""

    __tablename__ = "task_events"
    __table_args__ = (sa.Index("ix_task_events_task", "task_id", "at"),)
    id: str = _id()
    project_id: str = Field(max_length=36, index=True)
    task_id: str = Field(max_length=36)
    actor_id: str | None = Field(default=None, max_length=36)
    at: datetime = Field(sa_type=UtcDateTime)
    field: str = Field(max_length=20)
    old: str | None = Field(default=None, sa_type=sa.Text)  # JSON of the value as on the task row
    new: str | None = Field(default=None, sa_type=sa.Text)


class Notification(ServerModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user", "user_id", "read_at"),)
    id: str = _id()
    user_id: str = Field(max_length=36)
    kind: str = Field(max_length=20)
    task_id: str | None = Field(default=None, max_length=36)
    project_id: str | None = Field(default=None, max_length=36, index=True)
    actor_id: str | None = Field(default=None, max_length=36)
    title: str = Field(max_length=500)
    created_at: datetime = Field(sa_type=UtcDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    deleted: bool = False


class Watch(ServerModel, table=True):
    __tablename__ = "watches"
    __table_args__ = (sa.Index("ix_watches_task", "task_id", "deleted"), sa.Index("ix_watches_user", "user_id"))
    id: str = _id()
    task_id: str = Field(max_length=36)
    user_id: str = Field(max_length=36)
    project_id: str = Field(max_length=36)
    deleted: bool = False


class NotificationPref(ServerModel, table=True):
    """A user's notification preferences (Keel's extension, docs/protocol.md): one row per user,
    id `notification_pref_id(user_id)`, made by their first change; no row means the defaults."""

    __tablename__ = "notification_prefs"
    id: str = _id()
    user_id: str = Field(max_length=36, unique=True)  # the reminder scan joins tasks' recipients on it
    kinds: str = Field(sa_type=sa.Text)  # JSON object: every kind, on or off
    muted_projects: str = Field(sa_type=sa.Text)  # JSON list of project ids, sorted
    quiet_start: str | None = Field(default=None, max_length=5)  # "HH:MM" in time_zone
    quiet_end: str | None = Field(default=None, max_length=5)
    time_zone: str | None = Field(default=None, max_length=64)  # IANA name; null: the server's default
    due_soon_leads: str = Field(sa_type=sa.Text)  # JSON list of minutes, longest first
    # due_soon_leads[0], so the reminder scan finds how far ahead to look with one indexed max().
    longest_lead_min: int = Field(index=True)
    digest_at: str | None = Field(default=None, max_length=5)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class ReminderSent(ServerModel, table=True):
    """`due_soon` and `overdue` fire once per task, kind and due date."""

    __tablename__ = "reminders_sent"
    task_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=20)
    due_at: datetime = Field(primary_key=True, sa_type=UtcDateTime)


class RiskAlert(ServerModel, table=True):
    """When `at_risk` last went out for a milestone or an iteration: at most once a day (server's zone)."""

    __tablename__ = "risk_alerts"
    subject_id: str = Field(primary_key=True, max_length=36)
    sent_on: date


class PushEndpoint(ServerModel, table=True):
    """Where a device wants its user's notifications pushed while its app is closed (docs/push.md).

    One row per push subscription (`endpoint_hash` is unique across users: a subscription belongs
    to whoever registered it last) and per device of a user. It is pushed to only while the sign-in
    that registered it (`family_id`) stands, so signing out stops pushes even when the device could
    not unregister. `p256dh` and `auth` are the Web Push subscriber's keys; other kinds leave them empty.
    `token` is an ntfy access token (a secret like the keys) and `locale` the language the server
    words ntfy messages in; Web Push leaves both empty.
    """

    __tablename__ = "push_endpoints"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_hash", name="uq_push_endpoints_hash"),
        sa.UniqueConstraint("user_id", "device_id", name="uq_push_endpoints_device"),
        sa.Index("ix_push_endpoints_user", "user_id", "updated_at"),
    )
    id: str = _id()
    user_id: str = Field(max_length=36)
    device_id: str | None = Field(default=None, max_length=100)
    family_id: str = Field(max_length=36)
    kind: str = Field(max_length=20)
    endpoint: str = Field(sa_type=sa.Text)
    endpoint_hash: str = Field(max_length=64)  # sha256 hex of `endpoint`
    p256dh: str | None = Field(default=None, max_length=100)
    auth: str | None = Field(default=None, max_length=50)
    token: str | None = Field(default=None, max_length=100)
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class PushDeferred(ServerModel, table=True):
    """A push held back by its user's quiet hours: sent once at `due_at` (their end) if the
    notification is still unread then (docs/push.md, *Quiet hours*)."""

    __tablename__ = "push_deferred"
    notification_id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(max_length=36)
    due_at: datetime = Field(sa_type=UtcDateTime, index=True)


class FeedRow(ServerModel, table=True):
    """The pull feed: each synced row's latest version, pre-serialised, keyed by its `seq`.

    `scope` says who may receive it: `p:<project>` (the project's members), `u:<user>` (that user
    only: notifications, watches), `who:<user>` (a user row: everyone sharing a project with them)
    or `np:<user>` (that user only, and only when their pull includes the extension entity: their
    notification preferences).
    """

    __tablename__ = "feed"
    __table_args__ = (
        sa.UniqueConstraint("entity", "row_id", name="uq_feed_row"),
        sa.Index("ix_feed_scope_seq", "scope", "seq"),
        sa.Index("ix_feed_project", "project_id", "deleted"),
    )
    seq: int = Field(sa_column=sa.Column(SeqInt, primary_key=True, autoincrement=False))
    entity: str = Field(max_length=20)
    row_id: str = Field(max_length=36)
    scope: str = Field(max_length=40)
    project_id: str | None = Field(default=None, max_length=36)
    deleted: bool = False
    body: str = Field(sa_type=sa.Text)  # the row's JSON without `seq`


class Revocation(ServerModel, table=True):
    """A user's loss of a project, at a point of the seq order, for `revoked_projects`."""

    __tablename__ = "revocations"
    __table_args__ = (sa.Index("ix_revocations_user_seq", "user_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=36)
    project_id: str = Field(max_length=36)
    seq: int = Field(sa_type=sa.BigInteger)
