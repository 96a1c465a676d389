"""The requester's pages (PROTOCOL-2.md, "The requester's side"): a ticket's portal page and the public
form, server-rendered with Jinja2 for phone browsers (WeChat's included). Zero JavaScript; every action
is a `POST`, so opening a link changes nothing. Everything the requester typed is escaped (autoescape).
zh-CN or English by `Accept-Language`; the app's Noto Sans SC is served for Chinese text.

The pages call the same operations as the JSON routes (server/desk/requester.py); this room renders.
"""

from __future__ import annotations

from fastapi import APIRouter

from server.portal import form, pages

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(form.router)
