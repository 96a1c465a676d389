"""Run inside `dbus-run-session`: a minimal org.freedesktop.Notifications receiver on the session bus,
one notification sent through Keel's desktop notifier, then a click on it.

Prints one JSON line with what the receiver got and what the click handler was given; the test
asserts on that. Usage: dbus-run-session -- python tests/app/notify_dbus_session.py ICON_PATH
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

BUS_NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
CLOSED_DISMISSED = 2

StrList = Annotated[list[str], DBusSignature("as")]
ServerInfo = Annotated[tuple[str, str, str, str], DBusSignature("ssss")]


class NotificationsReceiver(ServiceInterface):
    """Records every Notify call; answers the spec's other methods as a plain server would."""

    def __init__(self) -> None:
        super().__init__(BUS_NAME)
        self.received: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    @dbus_method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: StrList,
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        nid = len(self.received) + 1
        self.received.append(
            {
                "id": nid,
                "app_name": app_name,
                "app_icon": app_icon,
                "summary": summary,
                "body": body,
                "actions": actions,
                "hints": sorted(hints),
            }
        )
        self.arrived.set()
        return nid

    @dbus_method()
    def GetCapabilities(self) -> StrList:
        return ["actions", "body"]

    @dbus_method()
    def GetServerInformation(self) -> ServerInfo:
        return ("keel-test-receiver", "Keel", "1", "1.2")

    @dbus_method()
    def CloseNotification(self, nid: DBusUInt32):  # type: ignore[no-untyped-def]
        self.NotificationClosed(nid, 3)

    @dbus_signal()
    def ActionInvoked(self, nid: int, action_key: str) -> Annotated[tuple[int, str], DBusSignature("us")]:
        return (nid, action_key)

    @dbus_signal()
    def NotificationClosed(self, nid: int, reason: int) -> Annotated[tuple[int, int], DBusSignature("uu")]:
        return (nid, reason)


async def main(icon: Path) -> dict[str, Any]:
    from app.notify import os_notifier

    bus = await MessageBus().connect()
    receiver = NotificationsReceiver()
    bus.export(PATH, receiver)
    await bus.request_name(BUS_NAME)

    notifier = await os_notifier(desktop=True, icon=icon, timeout=5)
    clicked: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    async def open_task(task_id: str | None) -> None:  # async, as a Flet handler would be
        clicked.set_result(task_id)

    shown = await notifier.show("李娜 把任务分配给了你", "APP-1 首页信息流改版", task_id="task-1", on_click=open_task)
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    nid = receiver.received[0]["id"]
    receiver.ActionInvoked(nid, "default")  # the person clicks the notification's body
    receiver.NotificationClosed(nid, CLOSED_DISMISSED)  # and the server closes it, as real ones do
    task_id = await asyncio.wait_for(clicked, 5)
    result = {
        "available": notifier.available,
        "shown": shown,
        "received": receiver.received,
        "clicked": task_id,
        "icon_uri": icon.resolve().as_uri(),
    }
    await notifier.close()
    bus.disconnect()
    await bus.wait_for_disconnect()
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1]))), ensure_ascii=False))
