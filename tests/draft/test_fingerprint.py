"""What an approval freezes: the fingerprint of each language changes with its content only."""

from __future__ import annotations

from dataclasses import replace

from pipeline.draft import LocalText
from pipeline.draft.fingerprint import edition_fingerprint, language_fingerprints
from pipeline.states import TextState
from tests.render.fixtures import newsletter_plan, press_review_plan


def with_text(plan, item_id: str, lang: str, **changes: object):  # type: ignore[no-untyped-def]
    sections = tuple(replace(section, entries=tuple(
        replace(entry, texts={**entry.texts, lang: replace(entry.texts[lang], **changes)})
        if entry.item_id == item_id else entry for entry in section.entries))
        for section in plan.sections)
    return replace(plan, sections=sections)


def test_a_wording_changes_its_language_only_and_a_state_changes_nothing() -> None:
    plan = press_review_plan()
    before = language_fingerprints(plan)
    assert all(value.startswith("sha256:") and len(value) == 71 for value in before.values())
    assert language_fingerprints(press_review_plan()) == before  # deterministic
    item = plan.entries[0].item_id
    edited = language_fingerprints(with_text(plan, item, "es", summary="Otro resumen."))
    assert edited["es"] != before["es"]
    assert (edited["fr"], edited["en"]) == (before["fr"], before["en"])
    approved = language_fingerprints(with_text(plan, item, "es", origin=TextState.APPROVED))
    assert approved == before
    assert edition_fingerprint(edited) != edition_fingerprint(before)


def test_moving_an_entry_or_the_editorial_changes_every_language() -> None:
    plan = newsletter_plan()
    before = language_fingerprints(plan)
    first, *rest = plan.sections
    moved = language_fingerprints(replace(plan, sections=(*rest, first)))
    assert all(moved[lang] != before[lang] for lang in before)
    editorial = next(s for s in plan.sections if s.kind == "editorial")
    changed = replace(editorial, editorial={**editorial.editorial,
                                            "fr": LocalText("Édito", "Nouveau texte.")})
    sections = tuple(changed if s is editorial else s for s in plan.sections)
    after = language_fingerprints(replace(plan, sections=sections))
    assert after["fr"] != before["fr"] and after["en"] == before["en"]
    warned = language_fingerprints(replace(plan, warnings=("something",)))
    assert warned == before
