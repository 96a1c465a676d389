"""Settings → 通知 → 推送到手机: pushes to a phone while Keel is closed, through the ntfy app.

A random topic, its QR code and subscribe link, the registration with the server, a test push,
and the person's registrations with a way to remove each. The work is `sync.push`, shared with
`keel push`; this screen only asks and shows. Registrations live on the server (they are not
synced rows), so the list is fetched when the section opens and after each change.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.ui.base import text, typing, use_env
from sync import push
from sync.errors import SyncError

QR_SIZE = 200


@ft.component
def PushToPhone() -> ft.Control:
    env = use_env()
    core = env.core
    opened, set_opened = ft.use_state(False)
    record, set_record = ft.use_state(lambda: push.saved(core.store))
    # Kept in a ref, not state: a re-render on every keystroke would fight the field being typed in.
    server = ft.use_ref(push.DEFAULT_NTFY_SERVER)
    nothing: list[dict[str, Any]] = []
    listed, set_listed = ft.use_state(nothing)
    busy, set_busy = ft.use_state(False)
    ready, set_ready = ft.use_state(False)  # the server's suggested ntfy server is in the field

    async def talk(work: Any) -> Any:
        """One exchange with the server, its failure told in a toast (None then)."""
        remote = core.remote
        if remote is None:
            env.toast(t("push.offline"))
            return None
        set_busy(True)
        import sys

        print("TALK start", work, file=sys.stderr, flush=True)
        try:
            r = await work(remote)
            print("TALK done", r, file=sys.stderr, flush=True)
            return r
        except ValueError:
            env.toast(t("push.bad_server"))
        except SyncError as exc:
            env.toast(t("push.failed", reason=getattr(exc, "message", None) or str(exc)))
        except BaseException as exc:
            print("TALK exc", repr(exc), file=sys.stderr, flush=True)
            raise
        finally:
            set_busy(False)
        return None

    async def refresh() -> None:
        found = await talk(push.registrations)
        if found is not None:
            set_listed(found)

    async def toggle(_: Any) -> None:
        set_opened(not opened)
        if not opened:
            suggested = await talk(push.suggested_server)
            if suggested:
                server.current = suggested
            set_ready(True)
            await refresh()

    async def set_up(_: Any) -> None:
        async def work(remote: Any) -> push.NtfyRegistration:
            made = await push.register_ntfy(remote, core.store, server=server.current, locale=env.prefs.locale)
            await push.send_test(remote, made.id)
            return made

        made = await talk(work)
        if made is not None:
            set_record(made)
            env.toast(t("push.test_sent"))
            await refresh()

    async def send_test(_: Any) -> None:
        if record is not None and await talk(lambda remote: _tested(remote, record.id)):
            env.toast(t("push.test_sent"))

    def remover(registration_id: str) -> Any:
        async def remove(_: Any) -> None:
            if await talk(lambda remote: _removed(remote, core.store, registration_id)):
                set_record(push.saved(core.store))
                env.toast(t("push.removed"))
                await refresh()

        return remove

    header = ft.TextButton(
        t("push.title"),
        icon=ft.Icons.PHONE_ANDROID,
        on_click=toggle,
        tooltip=t("push.title"),
    )
    if not opened:
        return header
    body: list[ft.Control] = [
        header,
        text(t("push.hint"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ft.TextField(
            label=t("push.server"),
            value=server.current,
            on_change=lambda e: setattr(server, "current", e.control.value or ""),
            helper=t("push.server_hint"),
            helper_max_lines=3,  # one line cut the advice for mainland China short
            dense=True,
            disabled=busy,
            **typing(env),  # letter shortcuts stay off while the address is typed
        ),
        ft.FilledButton(
            t("push.renew") if record else t("push.set_up"),
            icon=ft.Icons.QR_CODE,
            on_click=set_up,
            disabled=busy or not ready,
        ),
    ]
    if record is not None:
        body += _subscription(record, send_test, remover(record.id), busy)
    body += _registrations(listed, record, remover, busy)
    return ft.Column(body, spacing=8)


async def _tested(remote: Any, registration_id: str) -> bool:
    await push.send_test(remote, registration_id)
    return True


async def _removed(remote: Any, store: Any, registration_id: str) -> bool:
    await push.remove(remote, store, registration_id)
    return True


def _subscription(record: push.NtfyRegistration, send_test: Any, remove: Any, busy: bool) -> list[ft.Control]:
    """What the phone subscribes with: the QR code, the link and the topic, and the test button."""
    return [
        text(t("push.registered"), weight=ft.FontWeight.W_500),
        ft.Image(
            src=push.qr_png(record.subscribe_link),
            width=QR_SIZE,
            height=QR_SIZE,
            semantics_label=t("push.qr"),
        ),
        # On the phone itself there is nothing to scan: tapping the link opens the ntfy app.
        ft.TextButton(t("push.link", link=record.subscribe_link), url=record.subscribe_link),
        text(t("push.topic", topic=record.topic), size=12),
        ft.Row(
            [
                ft.OutlinedButton(
                    t("push.test"), icon=ft.Icons.NOTIFICATIONS_ACTIVE, on_click=send_test, disabled=busy
                ),
                ft.TextButton(t("push.remove"), icon=ft.Icons.DELETE_OUTLINE, on_click=remove, disabled=busy),
            ],
            wrap=True,
        ),
    ]


def _registrations(
    listed: list[dict[str, Any]], record: push.NtfyRegistration | None, remover: Any, busy: bool
) -> list[ft.Control]:
    """Every device's registration, by its server's address only (the topic is a secret)."""
    rows: list[ft.Control] = [text(t("push.devices"), weight=ft.FontWeight.W_500)]
    if not listed:
        rows.append(text(t("push.none"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    for r in listed:
        here = t("push.this_device") if record is not None and record.id == r["id"] else ""
        origin = r["endpoint"].split("://", 1)[-1].split("/", 1)[0]
        rows.append(
            ft.Row(
                [
                    text(f"{r['kind']} · {origin}{here}", size=12, expand=True),
                    ft.IconButton(
                        ft.Icons.DELETE_OUTLINE,
                        tooltip=f"{t('push.remove')} {r['kind']} {origin}",
                        on_click=remover(r["id"]),
                        disabled=busy,
                    ),
                ]
            )
        )
    return rows
