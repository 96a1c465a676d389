"""The mutations (v1 and Keel's additions): one handler per name, each given validated args and a `Ctx`."""

from collections.abc import Callable
from typing import Any

from server.mutations.comments import comment_create, comment_delete, comment_update
from server.mutations.context import Ctx
from server.mutations.iterations import iteration_close, iteration_create, iteration_delete, iteration_update
from server.mutations.links import task_link_put, task_link_remove
from server.mutations.personal import notification_read, watch_put, watch_remove
from server.mutations.prefs import notification_pref_update
from server.mutations.projects import (
    member_put,
    member_remove,
    project_create,
    project_update,
    status_create,
    status_delete,
    status_update,
)
from server.mutations.tasks import task_create, task_delete, task_update
from server.mutations.tickets import sla_policy_put, ticket_create, ticket_escalate, ticket_merge, ticket_update

HANDLERS: dict[str, Callable[[Ctx, Any], None]] = {
    "project.create": project_create,
    "project.update": project_update,
    "member.put": member_put,
    "member.remove": member_remove,
    "status.create": status_create,
    "status.update": status_update,
    "status.delete": status_delete,
    "task.create": task_create,
    "task.update": task_update,
    "task.delete": task_delete,
    "comment.create": comment_create,
    "comment.update": comment_update,
    "comment.delete": comment_delete,
    "notification.read": notification_read,
    "watch.put": watch_put,
    "watch.remove": watch_remove,
    "notification_pref.update": notification_pref_update,
    "iteration.create": iteration_create,
    "iteration.update": iteration_update,
    "iteration.close": iteration_close,
    "iteration.delete": iteration_delete,
    "task_link.put": task_link_put,
    "task_link.remove": task_link_remove,
    "ticket.create": ticket_create,
    "ticket.update": ticket_update,
    "ticket.merge": ticket_merge,
    "ticket.escalate": ticket_escalate,
    "sla_policy.put": sla_policy_put,
}

__all__ = ["HANDLERS", "Ctx"]
