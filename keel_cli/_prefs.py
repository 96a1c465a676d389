"""`keel notifications prefs|mute|unmute`: the notification preferences this account syncs.

Muting is queued like any edit (sent by the next `keel sync`); `prefs` shows what applies now,
pending changes included.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from keel_cli._local import open_store, require_signed_in, sync_errors
from keel_cli._output import print_json
from keel_cli._tasks import find_project

if TYPE_CHECKING:
    from sync.store import Store

Row = dict[str, Any]


@sync_errors
def run_prefs(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        return _show(store, args.json)


@sync_errors
def run_mute(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        ids = [find_project(store, key)["id"] for key in args.projects]
        store.update_notification_prefs(mute_add=ids)
        return _queued(store, args, "Muted")


@sync_errors
def run_unmute(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        muted = store.notification_prefs()["muted_projects"]
        # A project this device no longer has (access lost) is named by the id `prefs` shows.
        ids = [ref if ref in muted else find_project(store, ref)["id"] for ref in args.projects]
        store.update_notification_prefs(mute_remove=ids)
        return _queued(store, args, "Unmuted")


def _queued(store: Store, args: argparse.Namespace, verb: str) -> int:
    if args.json:
        return _show(store, True)
    print(f"{verb} {', '.join(args.projects)}; run keel sync to send.")
    return 0


def _show(store: Store, as_json: bool) -> int:
    prefs = store.notification_prefs()
    if as_json:
        print_json(prefs)
        return 0
    for kind, on in prefs["kinds"].items():
        print(f"{kind + ':':<16}{'on' if on else 'off'}")
    keys = [_project_key(store, pid) for pid in prefs["muted_projects"]]
    quiet = f"{prefs['quiet_start']}-{prefs['quiet_end']}" if prefs["quiet_start"] else "none"
    print(f"{'muted:':<16}{', '.join(keys) or 'none'}")
    print(f"{'quiet hours:':<16}{quiet}")
    print(f"{'time zone:':<16}{prefs['time_zone'] or 'the server default'}")
    print(f"{'due soon:':<16}{', '.join(_lead(m) for m in prefs['due_soon_leads'])} before")
    print(f"{'daily digest:':<16}{prefs['digest_at'] or 'off'}")
    if prefs["pending"]:
        print("Changes are queued; run keel sync to send.", file=sys.stderr)
    return 0


def _project_key(store: Store, project_id: str) -> str:
    project = store.project(project_id)
    return str(project["key"]) if project else project_id


def _lead(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest else "")
