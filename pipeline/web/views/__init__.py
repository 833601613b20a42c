"""The rooms of the web app, one module each; :data:`VIEWS` lists every view the app serves.

A new room adds its module here and a row per view to ``tests/web/routes.py``."""

from __future__ import annotations

from pipeline.web.routing import View
from pipeline.web.views import (
    account,
    admin_sources,
    admin_users,
    admin_vocabulary,
    approval,
    audit,
    auth,
    blocks,
    editions,
    editor,
    entries,
    inbox,
    ops,
    portal,
    preview,
    send,
    subscription,
    translations,
)

VIEWS: tuple[View, ...] = (*auth.VIEWS, *account.VIEWS, *editions.VIEWS, *inbox.VIEWS,
                           *editor.VIEWS, *blocks.VIEWS, *entries.VIEWS, *translations.VIEWS,
                           *preview.VIEWS, *approval.VIEWS, *audit.VIEWS, *send.VIEWS,
                           *subscription.VIEWS, *ops.VIEWS, *portal.VIEWS, *admin_users.VIEWS,
                           *admin_sources.VIEWS, *admin_vocabulary.VIEWS)
