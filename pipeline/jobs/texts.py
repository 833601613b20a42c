"""Jobs on an item's texts: a person's edit, review and approval (the review app's calls).

Each takes the :class:`~pipeline.permissions.Actor` and the ``version`` the person saw; the
store refuses a change made on an older version (:class:`~pipeline.errors.EditConflict`).
"""

from __future__ import annotations

from pipeline.app import App
from pipeline.permissions import Action, Actor, require
from pipeline.states import TextState
from pipeline.store.models import ItemText
from pipeline.store.texts import edit_item_text, set_text_state

STATE_ACTIONS = {TextState.NEEDS_EDITING: Action.EDIT, TextState.REVIEWED: Action.EDIT,
                 TextState.APPROVED: Action.APPROVE}
"""Who may put a text in each state: editors review, approvers approve."""


def edit_text(app: App, actor: Actor, item_id: int, lang: str, *, title: str, summary: str,
              version: int | None) -> ItemText:
    """A person's wording of an item in ``lang``: the text becomes ``reviewed`` by them."""
    require(actor, Action.EDIT)
    with app.session() as session:
        return edit_item_text(session, item_id, lang, by=actor.name, title=title.strip(),
                              summary=summary.strip(), expected_version=version)


def mark_text(app: App, actor: Actor, item_id: int, lang: str, to: TextState, *,
              version: int | None) -> ItemText:
    """Mark a text as needing editing, reviewed, or approved."""
    require(actor, STATE_ACTIONS[to])
    with app.session() as session:
        return set_text_state(session, item_id, lang, to, by=actor.name,
                              expected_version=version)


__all__ = ["edit_text", "mark_text"]
