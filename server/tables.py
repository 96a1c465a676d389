"""The server's tables as SQLAlchemy Core objects, for raw SQL and Core statements.

The models in server/models.py are SQLModel classes, whose `__table__` the type checker cannot
see; this is the one place that reaches the tables, by name, from the models' own metadata.
"""

from __future__ import annotations

from server.models import metadata

users = metadata.tables["users"]
token_families = metadata.tables["token_families"]
refresh_tokens = metadata.tables["refresh_tokens"]
server_secrets = metadata.tables["server_secrets"]
counters = metadata.tables["counters"]
projects = metadata.tables["projects"]
members = metadata.tables["members"]
statuses = metadata.tables["statuses"]
tasks = metadata.tables["tasks"]
task_events = metadata.tables["task_events"]
iterations = metadata.tables["iterations"]
task_links = metadata.tables["task_links"]
risk_alerts = metadata.tables["risk_alerts"]
comments = metadata.tables["comments"]
tickets = metadata.tables["tickets"]
sla_policies = metadata.tables["sla_policies"]
desk_intake = metadata.tables["desk_intake"]
notifications = metadata.tables["notifications"]
watches = metadata.tables["watches"]
notification_prefs = metadata.tables["notification_prefs"]
reminders_sent = metadata.tables["reminders_sent"]
push_endpoints = metadata.tables["push_endpoints"]
push_deferred = metadata.tables["push_deferred"]
feed = metadata.tables["feed"]
revocations = metadata.tables["revocations"]
