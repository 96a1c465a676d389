"""A notification's text, worded on the server for push kinds whose device shows what it is given (ntfy).

Web Push hands the app the payload's facts and the app words them in its own language; an ntfy
phone shows the title and message it receives, so the server words the same facts in the
language the registration asked for. The lines are the app's own (`app/i18n/*/notify.json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_LOCALE = "zh-CN"
APP_NAME = "Keel"

LINES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "assigned": "{actor} 把任务分配给了你",
        "mentioned": "{actor} 在评论中提到了你",
        "commented": "{actor} 评论了任务",
        "status_changed": "{actor} 更新了任务状态",
        "due_soon": "任务快到期了",
        "overdue": "任务已逾期",
        "at_risk": "按最近的完成速度，可能无法按期完成",
        "other": "{actor} 更新了任务",
        "test": "推送已设置好：Keel 的通知会出现在这里",
        "someone": "有人",
    },
    "en": {
        "assigned": "{actor} assigned a task to you",
        "mentioned": "{actor} mentioned you in a comment",
        "commented": "{actor} commented on a task",
        "status_changed": "{actor} changed a task's status",
        "due_soon": "A task is due soon",
        "overdue": "A task is overdue",
        "at_risk": "At the recent pace, this may not finish on time",
        "other": "{actor} updated a task",
        "test": "Push works: Keel's notifications will show up here",
        "someone": "Someone",
    },
}


def title_of(facts: Mapping[str, Any]) -> str:
    """`APP-12 修复登录页`: the task's key and title, as the app's own notifications put it."""
    title = facts.get("title") or APP_NAME
    key = facts.get("task_key")
    return f"{key} {title}" if key else str(title)


def line_of(facts: Mapping[str, Any], locale: str | None) -> str:
    """What happened and who did it: `Alice 在评论中提到了你`."""
    lines = LINES.get(locale or DEFAULT_LOCALE, LINES[DEFAULT_LOCALE])
    template = lines.get(str(facts.get("kind")), lines["other"])
    return template.format(actor=facts.get("actor_name") or lines["someone"])
