"""The local store: the SQLite cache the UI renders from, the outbox, and the rejection log.

One module per entity family (`families/`) holds its optimistic applies, queries and actions; the
`Store` has two faces: `AppStore` (queries, actions, subscription: the app's) and `EngineStore`
(outbox batches, push answers, pulls, cursor: the sync engine's).

store = Store.open(path)
store.set_account(server_url, user_id, email)
task_id = store.create_task(project_id, "修复登录页闪退", priority="high")
unsubscribe = store.subscribe(lambda changes: ...)
columns = store.board(project_id)
store.update_notification_prefs({"kinds": {"commented": False}}, mute_add=[project_id])
prefs = store.notification_prefs()  # my row, or the defaults
"""

from sync.store._app_face import AppStore
from sync.store._base import Changes, Listener, immediate
from sync.store._engine_face import EngineStore
from sync.store._outbox import OutboxEntry, Rejection, lmid_verdict
from sync.store._schema import SCHEMA_VERSION
from sync.store._store import Store
from sync.store.families.projects import local_status_id
from sync.store.families.task_lists import BoardColumn, TaskFilter
from sync.store.families.tasks import TaskDetail

STORE_FILE = "store.db"  # a data directory's store, the same file for the app and `keel`

__all__ = [
    "SCHEMA_VERSION",
    "STORE_FILE",
    "AppStore",
    "BoardColumn",
    "Changes",
    "EngineStore",
    "Listener",
    "OutboxEntry",
    "Rejection",
    "Store",
    "TaskDetail",
    "TaskFilter",
    "immediate",
    "lmid_verdict",
    "local_status_id",
]
