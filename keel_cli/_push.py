"""`keel push ntfy|list|remove|test`: pushes to a phone while Keel is closed, through the ntfy app.

Each command talks to the server at once (registrations are not synced rows); the work is in
`sync.push`, shared with the app's Settings → 通知 → 推送到手机.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from keel_cli._local import CliError, open_store, sync_errors
from keel_cli._online import _remote, _talking
from keel_cli._output import print_json

if TYPE_CHECKING:
    from sync.engine import Remote
    from sync.store import Store

__all__ = ["add_push_commands", "register_again_quietly"]


def add_push_commands(commands: Any, command: Any) -> None:
    """`keel push ...`; `command` is the client commands' own parser maker (shared options, exit codes)."""
    push = command(commands, "push", "push notifications to your phone while Keel is closed (ntfy)", None)
    sub = push.add_subparsers(dest="push_command", title="commands", required=True)
    ntfy = command(
        sub, "ntfy", "make a private ntfy topic, register it for this device, send a test", run_ntfy, nested=True
    )
    ntfy.add_argument("--server", help="the ntfy server (default: the one the Keel server names, else https://ntfy.sh)")
    ntfy.add_argument("--locale", choices=["zh-CN", "en"], default="zh-CN", help="the language of the notifications")
    ntfy.add_argument("--no-qr", action="store_true", help="print the link only, no QR code")
    command(sub, "list", "your push registrations, every device's", run_list, json=True, nested=True)
    removed = command(sub, "remove", "remove a push registration", run_remove, nested=True)
    removed.add_argument("id", metavar="ID", help="the registration's id, as `keel push list` shows it")
    tested = command(sub, "test", "send a test notification to a registration", run_test, nested=True)
    tested.add_argument("id", metavar="ID", nargs="?", help="the registration's id (default: this device's)")


def _run(store: Store, work: Any) -> Any:
    import asyncio

    remote = _remote(store)

    async def go() -> Any:
        async with remote:
            return await _talking(remote.base_url, work(remote))

    return asyncio.run(go())


@sync_errors
def run_ntfy(args: argparse.Namespace) -> int:
    from sync import push

    with open_store(args) as store:
        if args.server:
            try:
                push.topic_url(args.server, "x")
            except ValueError as exc:
                raise CliError(str(exc)) from exc

        async def work(remote: Remote) -> push.NtfyRegistration:
            server = args.server or await push.suggested_server(remote)
            record = await push.register_ntfy(remote, store, server=server, locale=args.locale)
            await push.send_test(remote, record.id)
            return record

        record = _run(store, work)
    print("Subscribe to this topic in the ntfy app (Android: F-Droid or the APK; iOS: the App Store):")
    if not args.no_qr:
        print(push.qr_terminal(record.subscribe_link))
    print(f"  link:  {record.subscribe_link}")
    print(f"  topic: {record.topic} on {record.endpoint.rsplit('/', 1)[0]}")
    print(f"Registered as {record.id}; a test notification is on its way.")
    print("Keep the topic private: anyone who knows it can read your notifications on a public server.")
    return 0


@sync_errors
def run_list(args: argparse.Namespace) -> int:
    from sync import push

    with open_store(args) as store:
        mine = push.saved(store)
        found = _run(store, push.registrations)
    if getattr(args, "json", False):  # a nested command's options default to absent
        print_json(found)
        return 0
    if not found:
        print("No push registrations. Run: keel push ntfy")
    for r in found:
        here = " (this device)" if mine is not None and mine.id == r["id"] else ""
        print(f"{r['id']}  {r['kind']:<8} {_origin(r['endpoint'])}  {r['locale'] or ''}  {r['updated_at']}{here}")
    return 0


def _origin(endpoint: str) -> str:
    """The endpoint without its path: for ntfy the path is the topic, a secret not to print in a list."""
    scheme, _, rest = endpoint.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/…"


@sync_errors
def run_remove(args: argparse.Namespace) -> int:
    from sync import push

    with open_store(args) as store:
        _run(store, lambda remote: push.remove(remote, store, args.id))
    print(f"Removed push registration {args.id}.")
    return 0


@sync_errors
def run_test(args: argparse.Namespace) -> int:
    from sync import push

    with open_store(args) as store:
        mine = push.saved(store)
        target = args.id or (mine.id if mine else None)
        if target is None:
            raise CliError("This device has no push registration. Run: keel push ntfy")
        _run(store, lambda remote: push.send_test(remote, target))
    print("A test notification is on its way.")
    return 0


def register_again_quietly(store: Store) -> None:
    """After `keel login`: this device's push registration follows the new sign-in (best effort)."""
    from sync import push
    from sync.errors import SyncError

    if push.saved(store) is None:
        return
    try:
        _run(store, lambda remote: push.register_again(remote, store))
    except (CliError, SyncError) as exc:
        print(
            f"Could not register this device's push notifications again ({exc}); run keel push ntfy.", file=sys.stderr
        )
    else:
        print("Push notifications to this device's ntfy topic are registered again.", file=sys.stderr)
