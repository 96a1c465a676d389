"""Wire schemas of the Keel sync protocol (docs/protocol.md), shared by the client and the server.

Pure pydantic: no tables, no I/O. The server imports this module and nothing else from `sync`.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, model_validator

# The plain values (names, limits, computable ids) live in sync/wire.py, which the store's reads
# import without pydantic; they are the protocol's all the same.
from sync.wire import DEFAULT_DIGEST_AT as DEFAULT_DIGEST_AT
from sync.wire import DEFAULT_LEADS_MIN as DEFAULT_LEADS_MIN
from sync.wire import DESK_KINDS as DESK_KINDS
from sync.wire import EXTENSION_KINDS as EXTENSION_KINDS
from sync.wire import MAX_DESCRIPTION as MAX_DESCRIPTION
from sync.wire import MAX_MUTED_PROJECTS as MAX_MUTED_PROJECTS
from sync.wire import NOTIFICATION_KINDS as NOTIFICATION_KINDS
from sync.wire import Priority as Priority
from sync.wire import Role as Role
from sync.wire import member_id as member_id
from sync.wire import notification_pref_id as notification_pref_id
from sync.wire import sla_policy_id as sla_policy_id
from sync.wire import task_link_id as task_link_id
from sync.wire import watch_id as watch_id

PROTOCOL_VERSION = 1

# Limits from PROTOCOL.md. A body or envelope over them fails the request; a field over them
# rejects one mutation.
MAX_BODY_BYTES = 1024 * 1024
MAX_MUTATIONS_PER_PUSH = 500
MAX_PULL_LIMIT = 5000
DEFAULT_PULL_LIMIT = 1000
MAX_TITLE = 500
MAX_COMMENT = 20_000
MAX_LABELS = 100
MAX_NAME = 200
MAX_LABEL = 100
MAX_POSITION = 200
# Levels of a subtask chain: a top-level task is level 1 (Jira has three levels, Linear a few more).
MAX_TASK_DEPTH = 5

# The wire's entity names; sync/entities.py declares each one (row model, scope, extension or not).
# `notification_pref` and `task_event` are extensions (docs/protocol.md): a pull carries them only
# when its `include` names them, so clients written to the shared contract never meet them.
Entity = Literal[
    "user", "project", "member", "status", "task", "comment", "notification", "watch", "notification_pref",
    "task_event", "iteration", "task_link", "ticket", "sla_policy",
]  # fmt: skip
ProjectKind = Literal["product", "campaign", "service_desk", "general"]
StatusCategory = Literal["todo", "doing", "done"]
TaskType = Literal["task", "requirement", "bug", "ticket", "milestone"]
NotificationKind = Literal[
    "assigned", "mentioned", "commented", "status_changed", "due_soon", "overdue", "at_risk",
    "sla_warning", "sla_breached", "ticket_reply", "ticket_reopened", "low_satisfaction", "ticket_linked_done",
]  # fmt: skip
IterationState = Literal["planned", "active", "closed"]
LinkKind = Literal["blocks", "relates", "duplicates"]
MAX_LAG_DAYS = 365
Visibility = Literal["internal", "public"]
Channel = Literal["app", "web", "email", "wechat", "api", "phone", "other"]
TicketCategory = Literal["feature", "experience", "security", "performance", "other"]
SlaCalendar = Literal["always", "business"]
SlaHolidays = Literal["cn", "none"]
# A project's working-day calendar (docs/protocol.md, Additions; docs/calendar.md), as sync/workdays.py names them.
WorkCalendar = Literal["cn", "weekdays", "every_day"]
MAX_SATISFACTION_COMMENT = 2_000
MAX_SLA_MINUTES = 525_600
MAX_AUTO_CLOSE_DAYS = 90

POSITION_RE = re.compile(r"^[0-9A-Za-z]+$")
KEY_RE = re.compile(r"^[A-Z]{2,10}$")


def _canonical_uuid(value: uuid.UUID) -> str:
    return str(value)


# Ids travel as lower-case canonical UUID strings; any UUID spelling is accepted on input.
Id = Annotated[uuid.UUID, PlainSerializer(_canonical_uuid, return_type=str)]


def _check_position(value: str) -> str:
    if not POSITION_RE.match(value):
        raise ValueError("position must use only the base-62 alphabet 0-9A-Za-z")
    return value


def _strip_nonempty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and a lone surrogate cannot be encoded as UTF-8.
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain NUL characters or lone surrogates")
    return value


# Text a client sends that the server stores or looks up.
Text = Annotated[str, AfterValidator(_storable)]

# Times a client sets lie in years 2 to 9998 (UTC): a year from either end of what Python, SQLite and
# PostgreSQL clients can hold, so any time zone's wall clock and any reminder lead stay in range.
EARLIEST_INSTANT = datetime(2, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def _in_calendar(value: datetime) -> datetime:
    try:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise ValueError("must lie between the years 2 and 9998 in UTC") from None
    if not EARLIEST_INSTANT <= utc <= LATEST_INSTANT:
        raise ValueError("must lie between the years 2 and 9998 in UTC")
    return value


# A point in time a client sets (a task's start and due times); without an offset it is UTC.
Instant = Annotated[datetime, AfterValidator(_in_calendar)]

Position = Annotated[str, Field(min_length=1, max_length=MAX_POSITION), AfterValidator(_check_position)]
Name = Annotated[Text, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_strip_nonempty)]
Title = Annotated[Text, Field(min_length=1, max_length=MAX_TITLE), AfterValidator(_strip_nonempty)]
Description = Annotated[Text, Field(max_length=MAX_DESCRIPTION)]
CommentBody = Annotated[Text, Field(min_length=1, max_length=MAX_COMMENT), AfterValidator(_strip_nonempty)]
Label = Annotated[Text, Field(min_length=1, max_length=MAX_LABEL), AfterValidator(_strip_nonempty)]
Labels = Annotated[list[Label], Field(max_length=MAX_LABELS)]
ProjectKey = Annotated[str, Field(pattern=r"^[A-Z]{2,10}$")]
Estimate = Annotated[float, Field(ge=0, le=1_000_000)]


def _no_items() -> Any:
    """An empty list default, made by a factory: pydantic deep-copies a literal `[]` default on every
    validation (half the cost of validating a `task.update`, on each local write); the schema still
    says `"default": []`."""
    return Field(default_factory=list, json_schema_extra={"default": []})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[Any] | None = None


class ErrorResponse(BaseModel):
    """Every error response, whatever its status."""

    error: ErrorDetail


# --- auth --------------------------------------------------------------------------------


class UserPublic(BaseModel):
    id: Id
    email: str
    display_name: str


class UserEnvelope(BaseModel):
    user: UserPublic


class RegisterRequest(Strict):
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"), AfterValidator(_storable)]
    password: Annotated[Text, Field(min_length=8, max_length=256)]
    display_name: Name


class TokenRequest(Strict):
    email: Annotated[Text, Field(max_length=254)]
    password: Annotated[Text, Field(max_length=256)]


class RefreshRequest(Strict):
    refresh_token: Annotated[Text, Field(max_length=512)]


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: UserPublic


class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str


# --- rows --------------------------------------------------------------------------------


class RowBase(BaseModel):
    id: Id
    seq: int
    deleted: bool = False


class UserRow(RowBase):
    display_name: str
    email: str


class ProjectRow(RowBase):
    name: str
    key: str
    kind: ProjectKind
    description: str
    archived: bool
    calendar: WorkCalendar = "cn"


class MemberRow(RowBase):
    project_id: Id
    user_id: Id
    role: Role


class StatusRow(RowBase):
    project_id: Id
    name: str
    category: StatusCategory
    position: str
    pauses_sla: bool


class TaskRow(RowBase):
    project_id: Id
    number: int
    title: str
    description: str
    status_id: Id
    assignee_id: Id | None
    reporter_id: Id | None  # null on a ticket from intake or the public form
    priority: Priority
    type: TaskType
    labels: list[str]
    parent_id: Id | None
    position: str
    start_at: datetime | None
    due_at: datetime | None
    estimate: float | None
    created_at: datetime
    updated_at: datetime
    iteration_id: Id | None


class CommentRow(RowBase):
    task_id: Id
    project_id: Id
    author_id: Id | None  # null on a requester's reply through the portal
    body: str
    mentions: list[Id]
    created_at: datetime
    edited_at: datetime | None
    visibility: Visibility
    author_name: str | None  # the requester's name on a portal reply, null on members' comments


class NotificationRow(RowBase):
    user_id: Id
    kind: NotificationKind
    task_id: Id | None
    project_id: Id | None
    actor_id: Id | None
    title: str
    created_at: datetime
    read_at: datetime | None


class WatchRow(RowBase):
    task_id: Id
    user_id: Id


# Notification preferences (Keel's extension). Times of day are wall-clock "HH:MM" in `time_zone`.
MAX_LEADS = 5
MAX_LEAD_MIN = 14 * 24 * 60
TIME_OF_DAY_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TimeOfDay = Annotated[str, Field(pattern=TIME_OF_DAY_RE)]
ZoneName = Annotated[Text, Field(min_length=1, max_length=64)]
LeadMinutes = Annotated[int, Field(ge=1, le=MAX_LEAD_MIN)]


class NotificationPrefRow(RowBase):
    """One per user, id `notification_pref_id(user_id)`; a user without one has the defaults
    (every kind on, nothing muted, no quiet hours, leads 24 h and 1 h, digest at 09:00)."""

    user_id: Id
    kinds: dict[NotificationKind, bool]
    muted_projects: list[Id]
    quiet_start: str | None
    quiet_end: str | None
    time_zone: str | None
    due_soon_leads: list[int]
    digest_at: str | None
    updated_at: datetime


# Task history (PROTOCOL-2.md, `task_event`): insert-only rows the server writes with each change.
TASK_EVENT_FIELDS = (
    "status_id", "assignee_id", "iteration_id", "estimate", "start_at", "due_at", "priority", "parent_id", "type"
)  # fmt: skip
TaskEventField = Literal[
    "created", "deleted", "status_id", "assignee_id", "iteration_id", "estimate", "start_at", "due_at", "priority",
    "parent_id", "type",
]  # fmt: skip


class TaskEventRow(RowBase):
    """One change of one task field (or the task's creation or deletion), as the task row shows it."""

    project_id: Id
    task_id: Id
    actor_id: Id | None
    at: datetime
    field: TaskEventField
    old: Any
    new: Any


# Planning (PROTOCOL-2.md): sprints and the links between tasks. Dates without a time are calendar
# dates in the server's zone.
class IterationRow(RowBase):
    project_id: Id
    name: str
    goal: str
    start_on: date
    end_on: date
    state: IterationState
    closed_at: datetime | None


class TaskLinkRow(RowBase):
    """`from` must finish before `to` starts (`blocks`, with `lag_days`), or the two are related."""

    project_id: Id
    from_id: Id
    to_id: Id
    kind: LinkKind
    lag_days: int


# The service desk (PROTOCOL-2.md): a ticket is a task of type `ticket` plus this row, same id.
class TicketRow(RowBase):
    project_id: Id
    requester_name: str
    requester_contact: str
    channel: Channel
    category: TicketCategory
    severity: int
    impact: int
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_count: int
    satisfaction: int | None
    satisfaction_comment: str | None
    merged_into_id: Id | None
    escalated_task_id: Id | None


class SlaPolicyRow(RowBase):
    """One per (desk, priority), id `sla_policy_id(project_id, priority)`; every row has every field."""

    project_id: Id
    priority: Priority
    first_response_minutes: int
    resolution_minutes: int
    calendar: SlaCalendar
    business_start: str
    business_end: str
    time_zone: str
    holidays: SlaHolidays
    auto_close_days: int


# --- pull --------------------------------------------------------------------------------


class Change(BaseModel):
    entity: Entity
    seq: int
    row: dict[str, Any]


class PullResponse(BaseModel):
    cursor: int
    has_more: bool
    remaining: int
    last_mutation_id: int
    changes: list[Change]
    revoked_projects: list[Id]


# --- mutations ---------------------------------------------------------------------------


class ProjectCreate(Strict):
    id: Id
    name: Name
    key: ProjectKey
    kind: ProjectKind = "general"
    description: Description = ""


class ProjectUpdate(Strict):
    id: Id
    name: Name | None = None
    description: Description | None = None
    archived: bool | None = None
    calendar: WorkCalendar | None = None


class MemberPut(Strict):
    project_id: Id
    user_id: Id
    role: Role


class MemberRemove(Strict):
    project_id: Id
    user_id: Id


class StatusCreate(Strict):
    id: Id
    project_id: Id
    name: Name
    category: StatusCategory
    position: Position | None = None
    pauses_sla: bool = False


class StatusUpdate(Strict):
    id: Id
    name: Name | None = None
    category: StatusCategory | None = None
    position: Position | None = None
    pauses_sla: bool | None = None


class IdOnly(Strict):
    id: Id


class TaskFields(Strict):
    """Fields a client may set on a task; `number`, `reporter_id` and the timestamps are the server's."""

    description: Description | None = None
    status_id: Id | None = None
    assignee_id: Id | None = None
    priority: Priority | None = None
    type: TaskType | None = None
    parent_id: Id | None = None
    position: Position | None = None
    start_at: Instant | None = None
    due_at: Instant | None = None
    estimate: Estimate | None = None
    iteration_id: Id | None = None


class TaskCreate(TaskFields):
    id: Id
    project_id: Id
    title: Title
    labels: Labels = _no_items()


class TaskSet(TaskFields):
    title: Title | None = None


class TaskUpdate(Strict):
    id: Id
    set: TaskSet = TaskSet()
    labels_add: Labels = _no_items()
    labels_remove: Labels = _no_items()


class CommentCreate(Strict):
    id: Id
    task_id: Id
    body: CommentBody
    mentions: Annotated[list[Id], Field(max_length=100)] = _no_items()
    # Default: `internal` in a service_desk project, `public` elsewhere (where `internal` is refused).
    visibility: Visibility | None = None


class CommentUpdate(Strict):
    id: Id
    body: CommentBody


class NotificationRead(Strict):
    id: Id | None = None
    all: bool = False


class WatchArgs(Strict):
    task_id: Id


class NotificationPrefSet(Strict):
    """Fields of `notification_pref.update`'s `set`; each kind in `kinds` is its own field (a device
    switching off `commented` does not undo another device switching off `assigned`). `quiet_start`
    and `quiet_end` are set together, both times or both null (no quiet hours); equal times are
    invalid. `time_zone` is an IANA name (null: the server's default zone)."""

    kinds: dict[NotificationKind, bool] | None = None
    quiet_start: TimeOfDay | None = None
    quiet_end: TimeOfDay | None = None
    time_zone: ZoneName | None = None
    due_soon_leads: Annotated[list[LeadMinutes], Field(min_length=1, max_length=MAX_LEADS)] | None = None
    digest_at: TimeOfDay | None = None


class NotificationPrefUpdate(Strict):
    set: NotificationPrefSet = NotificationPrefSet()
    mute_add: Annotated[list[Id], Field(max_length=MAX_MUTED_PROJECTS)] = _no_items()
    mute_remove: Annotated[list[Id], Field(max_length=MAX_MUTED_PROJECTS)] = _no_items()


class IterationCreate(Strict):
    id: Id
    project_id: Id
    name: Name
    start_on: date
    end_on: date
    goal: Description = ""

    @model_validator(mode="after")
    def _ordered(self) -> IterationCreate:
        if self.end_on < self.start_on:
            raise ValueError("end_on must not be before start_on")
        return self


class IterationSet(Strict):
    name: Name | None = None
    goal: Description | None = None
    start_on: date | None = None
    end_on: date | None = None
    state: Literal["planned", "active"] | None = None


class IterationUpdate(Strict):
    id: Id
    set: IterationSet = IterationSet()


class IterationClose(Strict):
    id: Id
    move_open_to: Id | None = None


class TaskLinkPut(Strict):
    from_id: Id
    to_id: Id
    kind: LinkKind
    lag_days: Annotated[int, Field(ge=-MAX_LAG_DAYS, le=MAX_LAG_DAYS)] | None = None


class TaskLinkRemove(Strict):
    from_id: Id
    to_id: Id
    kind: LinkKind


RequesterName = Annotated[Text, Field(max_length=MAX_NAME)]
RequesterContact = Annotated[Text, Field(max_length=MAX_NAME)]
Level = Annotated[int, Field(ge=1, le=4)]
SlaMinutes = Annotated[int, Field(ge=1, le=MAX_SLA_MINUTES)]


class TicketSet(Strict):
    requester_name: RequesterName | None = None
    requester_contact: RequesterContact | None = None
    channel: Channel | None = None
    category: TicketCategory | None = None
    severity: Level | None = None
    impact: Level | None = None
    priority: Priority | None = None


class TicketCreate(TicketSet):
    id: Id
    project_id: Id
    title: Title
    description: Description | None = None


class TicketUpdate(Strict):
    id: Id
    set: TicketSet = TicketSet()


class TicketMerge(Strict):
    id: Id
    into_id: Id


class TicketEscalate(Strict):
    id: Id
    task_id: Id
    project_id: Id
    title: Title | None = None
    status_id: Id | None = None


class SlaPolicyPut(Strict):
    project_id: Id
    priority: Priority
    first_response_minutes: SlaMinutes | None = None
    resolution_minutes: SlaMinutes | None = None
    calendar: SlaCalendar | None = None
    business_start: TimeOfDay | None = None
    business_end: TimeOfDay | None = None
    time_zone: ZoneName | None = None
    holidays: SlaHolidays | None = None
    auto_close_days: Annotated[int, Field(ge=1, le=MAX_AUTO_CLOSE_DAYS)] | None = None


# The requester's side (no Keel account): intake, the portal's JSON and the intake settings.
class IntakeTicket(Strict):
    title: Title
    description: Description | None = None
    requester_name: RequesterName | None = None
    requester_contact: RequesterContact | None = None
    channel: Channel | None = None
    category: TicketCategory | None = None


class IntakeSettings(Strict):
    rotate_key: bool = False
    public_form: bool | None = None


class PortalReply(Strict):
    body: CommentBody


class PortalConfirm(Strict):
    solved: bool


class PortalRating(Strict):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[Text, Field(max_length=MAX_SATISFACTION_COMMENT)] | None = None


class IntakeCreated(BaseModel):
    ticket_id: Id
    key: str
    portal_url: str


class IntakeSettingsAnswer(BaseModel):
    intake_key: str
    public_form: bool
    form_url: str


class PortalLink(BaseModel):
    portal_url: str


class PortalTicket(BaseModel):
    key: str
    title: str
    status: str
    status_category: StatusCategory
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    satisfaction: int | None


class PortalReplyRow(BaseModel):
    author_name: str
    body: str
    created_at: datetime
    from_requester: bool


class PortalView(BaseModel):
    ticket: PortalTicket
    replies: list[PortalReplyRow]


class PortalReplyCreated(BaseModel):
    reply: PortalReplyRow


class PortalTicketAnswer(BaseModel):
    ticket: PortalTicket


MUTATION_ARGS: dict[str, type[BaseModel]] = {
    "project.create": ProjectCreate,
    "project.update": ProjectUpdate,
    "member.put": MemberPut,
    "member.remove": MemberRemove,
    "status.create": StatusCreate,
    "status.update": StatusUpdate,
    "status.delete": IdOnly,
    "task.create": TaskCreate,
    "task.update": TaskUpdate,
    "task.delete": IdOnly,
    "comment.create": CommentCreate,
    "comment.update": CommentUpdate,
    "comment.delete": IdOnly,
    "notification.read": NotificationRead,
    "watch.put": WatchArgs,
    "watch.remove": WatchArgs,
    "notification_pref.update": NotificationPrefUpdate,
    "iteration.create": IterationCreate,
    "iteration.update": IterationUpdate,
    "iteration.close": IterationClose,
    "iteration.delete": IdOnly,
    "task_link.put": TaskLinkPut,
    "task_link.remove": TaskLinkRemove,
    "ticket.create": TicketCreate,
    "ticket.update": TicketUpdate,
    "ticket.merge": TicketMerge,
    "ticket.escalate": TicketEscalate,
    "sla_policy.put": SlaPolicyPut,
}


class Mutation(BaseModel):
    """The envelope the server parses: an unknown `name` is a rejected mutation, not a bad request."""

    mutation_id: Annotated[int, Field(ge=1, le=2**53)]
    name: Annotated[str, Field(max_length=100)]
    args: dict[str, Any]


class PushRequest(BaseModel):
    client_id: Annotated[Text, Field(min_length=1, max_length=100)]
    mutations: Annotated[list[Mutation], Field(max_length=MAX_MUTATIONS_PER_PUSH)]


def _documented_mutation(name: str, args: type[BaseModel]) -> type[BaseModel]:
    """A per-name mutation model, for the OpenAPI document only."""
    model_name = "".join(part.capitalize() for part in name.split(".")) + "Mutation"
    return type(
        model_name,
        (BaseModel,),
        {
            "__annotations__": {"mutation_id": int, "name": Literal[name], "args": args},  # type: ignore[valid-type]
            "mutation_id": Field(ge=1, le=2**53),
            "__module__": __name__,
        },
    )


DOCUMENTED_MUTATIONS = tuple(_documented_mutation(n, a) for n, a in MUTATION_ARGS.items())
AnyMutation = Annotated[Union[DOCUMENTED_MUTATIONS], Field(discriminator="name")]  # type: ignore[valid-type]  # noqa: UP007


class PushRequestDocumented(BaseModel):
    """What the OpenAPI document shows for /sync/push: one schema per v1 mutation."""

    client_id: Annotated[str, Field(min_length=1, max_length=100)]
    mutations: Annotated[list[AnyMutation], Field(max_length=MAX_MUTATIONS_PER_PUSH)]  # type: ignore[valid-type]


class MutationResult(BaseModel):
    mutation_id: int
    status: Literal["applied", "rejected", "duplicate"]
    error: ErrorDetail | None = None


class PushResponse(BaseModel):
    last_mutation_id: int
    results: list[MutationResult]
