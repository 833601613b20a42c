"""The one permission table, cell by cell, and the doors that go through it (``--by``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import PermissionDenied
from pipeline.permissions import PERMISSIONS, SYSTEM, Action, Actor, require
from pipeline.states import Role
from tests.conftest import run_pipeline

ALLOWED = {
    # role: the actions it may do, as the communications team agreed (pipeline.permissions)
    Role.EDITOR: {"read", "edit", "export", "submit"},
    Role.APPROVER: {"read", "edit", "approve", "send", "export", "submit"},
    Role.AMBASSADOR: {"submit"},
    Role.ADMIN: {"read", "edit", "approve", "send", "export", "submit", "manage_users",
                 "manage_sources", "manage_subscribers", "operate"},
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_every_cell_of_the_table(role: Role, action: Action) -> None:
    actor = Actor(name="someone", role=role, user_id=7,
                  region="africa" if role is Role.AMBASSADOR else None)
    expected = action.value in ALLOWED[role]
    assert actor.can(action) is expected
    if expected:
        require(actor, action)
    else:
        with pytest.raises(PermissionDenied, match=f"someone \\({role}\\) may not "
                                                   f"{action.replace('_', ' ')}$"):
            require(actor, action)


def test_the_table_covers_every_role_and_nothing_else() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert {a.value for a in Action} == set().union(*ALLOWED.values())


def test_an_ambassador_is_held_to_their_region_and_their_own_rows() -> None:
    amina = Actor(name="amina", role=Role.AMBASSADOR, user_id=3, region="africa")
    require(amina, Action.SUBMIT, region="africa", owner_id=3)
    with pytest.raises(PermissionDenied, match="only on their region"):
        require(amina, Action.SUBMIT, region="asia")
    with pytest.raises(PermissionDenied, match="only on their own submissions"):
        require(amina, Action.SUBMIT, owner_id=4)
    # other roles are not held to a region or an owner
    editor = Actor(name="eve", role=Role.EDITOR, user_id=5)
    require(editor, Action.SUBMIT, region="asia", owner_id=4)
    require(SYSTEM, Action.MANAGE_USERS, region="asia", owner_id=4)


def test_the_command_line_acts_as_the_named_user(tmp_path: Path) -> None:
    add = ["users", "add", "--password-stdin"]
    password = "a long enough password\n"
    done = run_pipeline([*add[:2], "eve", "--role", "editor", *add[2:]], cwd=tmp_path,
                        input_text=password)
    assert done.returncode == 0, done.stderr
    refused = run_pipeline([*add[:2], "mallory", "--role", "admin", "--by", "eve", *add[2:]],
                           cwd=tmp_path, input_text=password)
    assert (refused.returncode, refused.stderr) == (1, "error: eve (editor) may not manage "
                                                       "users\n")
    unknown = run_pipeline([*add[:2], "x", "--role", "admin", "--by", "ghost", *add[2:]],
                           cwd=tmp_path, input_text=password)
    assert (unknown.returncode, unknown.stderr) == (
        1, "error: no user named 'ghost' (create one with `pipeline users add`)\n")
    admin = run_pipeline([*add[:2], "root", "--role", "admin", *add[2:]], cwd=tmp_path,
                         input_text=password)
    assert admin.returncode == 0, admin.stderr
    by_admin = run_pipeline([*add[:2], "ana", "--role", "approver", "--by", "root", *add[2:]],
                            cwd=tmp_path, input_text=password)
    assert by_admin.returncode == 0, by_admin.stderr
    csv_file = tmp_path / "subs.csv"
    csv_file.write_text("email,language,publications\nana@example.org,es,newsletter\n")
    no_import = run_pipeline(["subscribers", "import", str(csv_file), "--by", "ana"],
                             cwd=tmp_path)
    assert no_import.stderr == "error: ana (approver) may not manage subscribers\n"
    imported = run_pipeline(["subscribers", "import", str(csv_file), "--by", "root"],
                            cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr


def test_text_jobs_check_the_actor_and_the_version(tmp_path: Path) -> None:
    from pipeline.app import App
    from pipeline.errors import EditConflict
    from pipeline.jobs.texts import edit_text, mark_text
    from pipeline.records import CollectedItem
    from pipeline.records import ItemText as Text
    from pipeline.settings import Settings
    from pipeline.states import TextState
    from pipeline.store.items import upsert_items
    from pipeline.store.texts import save_item_text

    app = App(Settings(var_dir=tmp_path))
    editor = Actor("eve", Role.EDITOR, user_id=1)
    approver = Actor("carla", Role.APPROVER, user_id=2)
    ambassador = Actor("amina", Role.AMBASSADOR, user_id=3, region="africa")
    try:
        with app.session() as session:
            from datetime import UTC, datetime

            upsert_items(session, [CollectedItem(
                source_id=None, url="https://a.org/1", canonical_url="https://a.org/1",
                title="Les sols", fetched_at=datetime.now(UTC), content_hash="h1")])
            save_item_text(session, 1, Text(lang="en", title="The grounds", summary="",
                                            origin=TextState.MACHINE))
        with pytest.raises(PermissionDenied, match="amina \\(ambassador\\) may not edit"):
            edit_text(app, ambassador, 1, "en", title="x", summary="", version=1)
        edited = edit_text(app, editor, 1, "en", title=" The soils ", summary="", version=1)
        assert (edited.title, edited.state, edited.version) == ("The soils",
                                                                TextState.REVIEWED, 2)
        with pytest.raises(PermissionDenied, match="eve \\(editor\\) may not approve"):
            mark_text(app, editor, 1, "en", TextState.APPROVED, version=2)
        with pytest.raises(EditConflict):
            mark_text(app, approver, 1, "en", TextState.APPROVED, version=1)
        approved = mark_text(app, approver, 1, "en", TextState.APPROVED, version=2)
        assert (approved.state, approved.approved_by) == (TextState.APPROVED, "carla")
    finally:
        app.close()


def test_the_edition_machine_documents_every_transition_and_who_may_make_it() -> None:
    """The table in pipeline.store.editions' docstring is the machine, row for row."""
    from pipeline.store import editions

    documented = {}
    for line in (editions.__doc__ or "").splitlines():
        cells = line.split()
        if len(cells) >= 4 and cells[0] in {s.value for s in editions.EditionStatus} \
                and cells[1] in {s.value for s in editions.EditionStatus}:
            roles = " ".join(cells[3:]).split("(")[0]
            documented[cells[0], cells[1]] = (cells[2], {r.strip() for r in roles.split(",")})
    actual = {(before.value, after.value): (action.value,
                                            {r.value for r in Role if action in PERMISSIONS[r]})
              for before, moves in editions.TRANSITIONS.items()
              for after, action in moves.items()}
    assert documented == actual
