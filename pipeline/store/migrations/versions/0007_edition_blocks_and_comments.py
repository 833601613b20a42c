"""edition blocks (editorial, key figures, agenda entries) with texts per language, comments
on items, items written by the team

Revision ID: 0007
Revises: 0006

An edition's content now lives in rows: ``edition_items`` (which item sits where, already
there) and ``edition_blocks`` + ``block_texts`` (what the team writes). The editorial, key
figures and agenda entries of editions drafted before are copied from their stored plan into
blocks here, so that nothing they showed is lost.
"""
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_STATES = ("original", "needs_translation", "machine", "needs_editing", "reviewed",
               "approved")
ORIGINS_BEFORE = ("feed", "page", "submission")
ORIGINS_AFTER = (*ORIGINS_BEFORE, "written")
BLOCK_KINDS = ("editorial", "key-figure", "event")


def check_of(column: str, allowed: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in allowed)})"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'edition_blocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=200), nullable=True),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('source_name', sa.String(length=300), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(check_of('kind', BLOCK_KINDS), name=op.f('ck_edition_blocks_kind')),
        sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], ondelete='CASCADE',
                                name=op.f('fk_edition_blocks_edition_id_editions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_edition_blocks')),
    )
    with op.batch_alter_table('edition_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_edition_blocks_edition_id'), ['edition_id'],
                              unique=False)
    op.create_table(
        'block_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('block_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=24), nullable=False),
        sa.Column('engine', sa.String(length=100), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('edited_by', sa.String(length=100), nullable=True),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(check_of('state', TEXT_STATES), name=op.f('ck_block_texts_state')),
        sa.ForeignKeyConstraint(['block_id'], ['edition_blocks.id'], ondelete='CASCADE',
                                name=op.f('fk_block_texts_block_id_edition_blocks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_block_texts')),
        sa.UniqueConstraint('block_id', 'lang', name=op.f('uq_block_texts_block_id')),
    )
    op.create_table(
        'comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=True),
        sa.Column('author', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], ondelete='SET NULL',
                                name=op.f('fk_comments_edition_id_editions')),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE',
                                name=op.f('fk_comments_item_id_items')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_item_id'), ['item_id'], unique=False)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_items_origin'), type_='check')
        batch_op.create_check_constraint(op.f('ck_items_origin'),
                                         check_of('origin', ORIGINS_AFTER))
    copy_plan_blocks()


def _moment(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    value = datetime.fromisoformat(raw)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _texts(raw: object) -> list[tuple[str, str, str, str]]:
    """(lang, title, summary, state) of a plan's text mapping."""
    found = []
    for lang, text in sorted(raw.items()) if isinstance(raw, dict) else ():
        if not isinstance(text, dict):
            continue
        state = text.get("origin") or "original"
        state = "reviewed" if state == "edited" else state
        found.append((str(lang)[:8], str(text.get("title", "")), str(text.get("summary", "")),
                      state if state in TEXT_STATES else "machine"))
    return found


def _plan_blocks(document: str) -> list[dict[str, object]]:
    """The editorial, key figures and agenda entries of a stored plan, as block rows."""
    try:
        raw = json.loads(document)
        sections = list(raw.get("sections", ()))
    except (ValueError, TypeError, AttributeError):
        return []
    blocks: list[dict[str, object]] = []
    for section in sections:
        if not isinstance(section, dict):
            continue
        if section.get("kind") == "editorial" and section.get("editorial"):
            blocks.append({"kind": "editorial", "texts": _texts(section["editorial"])})
        for figure in section.get("figures") or ():
            blocks.append({"kind": "key-figure", "value": figure.get("value"),
                           "url": figure.get("source_url", ""),
                           "source_name": figure.get("source_name", ""),
                           "texts": _texts(figure.get("texts"))})
        for event in section.get("events") or ():
            blocks.append({"kind": "event", "ref": event.get("event_id"),
                           "starts_at": _moment(event.get("starts_at")),
                           "ends_at": _moment(event.get("ends_at")),
                           "place": event.get("place", ""), "url": event.get("url", ""),
                           "texts": _texts(event.get("texts"))})
    return blocks


def copy_plan_blocks() -> None:
    connection = op.get_bind()
    editions = sa.table('editions', sa.column('id', sa.Integer), sa.column('plan', sa.Text))
    blocks = sa.table(
        'edition_blocks', sa.column('id', sa.Integer), sa.column('edition_id', sa.Integer),
        sa.column('kind', sa.String), sa.column('position', sa.Integer),
        sa.column('ref', sa.String), sa.column('value', sa.Float), sa.column('url', sa.Text),
        sa.column('source_name', sa.String), sa.column('starts_at', sa.DateTime(timezone=True)),
        sa.column('ends_at', sa.DateTime(timezone=True)), sa.column('place', sa.String),
        sa.column('version', sa.Integer), sa.column('created_by', sa.String), sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)))
    texts = sa.table(
        'block_texts', sa.column('block_id', sa.Integer), sa.column('lang', sa.String),
        sa.column('title', sa.Text), sa.column('summary', sa.Text),
        sa.column('state', sa.String), sa.column('version', sa.Integer))
    now_at = datetime.now(UTC)
    rows = connection.execute(sa.select(editions.c.id, editions.c.plan)
                              .where(editions.c.plan.is_not(None))).all()
    for edition_id, plan in rows:
        positions: dict[str, int] = {}
        for block in _plan_blocks(plan):
            kind = str(block["kind"])
            if kind == "event" and block.get("starts_at") is None:
                continue
            position = positions[kind] = positions.get(kind, -1) + 1
            value = block.get("value")
            block_id = connection.execute(blocks.insert().values(
                edition_id=edition_id, kind=kind, position=position,
                ref=str(block["ref"])[:200] if block.get("ref") else None,
                value=float(value) if isinstance(value, int | float) else None,
                url=str(block.get("url") or ""), source_name=str(block.get("source_name") or "")[:300],
                starts_at=block.get("starts_at"), ends_at=block.get("ends_at"),
                place=str(block.get("place") or "")[:300], version=1, created_by="pipeline",
                created_at=now_at, updated_at=now_at).returning(blocks.c.id)).scalar_one()
            for lang, title, summary, state in block["texts"]:  # type: ignore[attr-defined]
                connection.execute(texts.insert().values(
                    block_id=block_id, lang=lang, title=title, summary=summary, state=state,
                    version=1))


def downgrade() -> None:
    """Downgrade schema (items written by the team become page items)."""
    op.execute("UPDATE items SET origin = 'page' WHERE origin = 'written'")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_items_origin'), type_='check')
        batch_op.create_check_constraint(op.f('ck_items_origin'),
                                         check_of('origin', ORIGINS_BEFORE))
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_item_id'))
    op.drop_table('comments')
    op.drop_table('block_texts')
    with op.batch_alter_table('edition_blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_edition_blocks_edition_id'))
    op.drop_table('edition_blocks')
