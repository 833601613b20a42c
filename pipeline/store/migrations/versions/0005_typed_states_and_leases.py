"""typed states with CHECK constraints, text states, leases, run owners

Revision ID: 0005
Revises: 0004

Every state column gets a CHECK constraint listing the values of its StrEnum in
pipeline/states.py, after its old values are migrated:

- item_texts.origin becomes item_texts.state (TextState): "edited" → "reviewed" (reviewed_by /
  reviewed_at copied from edited_by / edited_at); plus ``version`` (optimistic concurrency)
  and reviewed_by / reviewed_at;
- translation_memory.origin: "edited" → "reviewed";
- deliveries.status: "queued" → "pending", "retry" → "deferred"; plus lease columns;
- submissions.status: "submitted" → "received";
- items: ``origin`` (feed, page, submission, from the source's kind) and lease columns;
- runs: ``host``, ``pid``, ``heartbeat_at`` (a run whose process died is marked dead);
- a new table ``leases`` (named leases: one active scheduler).

A value no state knows becomes the column's safe default (named in VALUES below).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (written out: a migration must not change when the code does).
TEXT_STATES = ("original", "needs_translation", "machine", "needs_editing", "reviewed",
               "approved")
VALUES: dict[tuple[str, str], tuple[tuple[str, ...], str, dict[str, str]]] = {
    # (table, column): (allowed values, default for unknown values, renamed values)
    ("items", "status"): (("new", "processing", "processed", "failed", "published"), "new", {}),
    ("items", "origin"): (("feed", "page", "submission"), "feed", {}),
    ("item_texts", "state"): (TEXT_STATES, "machine", {"edited": "reviewed"}),
    ("translation_memory", "origin"): (TEXT_STATES, "machine", {"edited": "reviewed"}),
    ("editions", "status"): (("draft", "in_review", "approved", "sending", "paused", "sent",
                              "cancelled"), "draft", {}),
    ("deliveries", "status"): (("pending", "sending", "sent", "deferred", "failed", "bounced",
                                "skipped"), "pending", {"queued": "pending", "retry": "deferred"}),
    ("users", "role"): (("editor", "approver", "ambassador", "admin"), "editor", {}),
    ("subscribers", "status"): (("pending", "confirmed", "unsubscribed", "bounced",
                                 "complained"), "pending", {}),
    ("runs", "status"): (("running", "ok", "failed", "dead"), "failed", {}),
    ("submissions", "status"): (("received", "in_inbox", "in_edition", "published", "returned",
                                 "failed"), "received", {"submitted": "received"}),
}


def check_of(column: str, allowed: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in allowed)})"


def migrate_values(table: str, column: str) -> None:
    allowed, default, renamed = VALUES[table, column]
    for old, new in renamed.items():
        op.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old")
                   .bindparams(new=new, old=old))
    op.execute(sa.text(f"UPDATE {table} SET {column} = :default WHERE {column} IS NULL OR "
                       f"NOT ({check_of(column, allowed)})").bindparams(default=default))


def upgrade() -> None:
    """Upgrade schema."""
    # 1. new columns (nullable for now: existing rows get their values in step 2)
    with op.batch_alter_table('item_texts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table('leases',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )

    # 2. values
    op.execute("UPDATE item_texts SET state = origin, version = 1")
    op.execute("UPDATE item_texts SET reviewed_by = edited_by, reviewed_at = edited_at "
               "WHERE origin = 'edited'")
    op.execute("UPDATE items SET origin = CASE "
               "WHEN submission_id IS NOT NULL THEN 'submission' "
               "WHEN (SELECT kind FROM sources WHERE sources.id = items.source_id) = 'page' "
               "THEN 'page' ELSE 'feed' END")
    for table, column in VALUES:
        migrate_values(table, column)

    # 3. constraints (SQLite copies each table once, in batch mode)
    with op.batch_alter_table('item_texts', schema=None) as batch_op:
        batch_op.drop_column('origin')
        batch_op.alter_column('state', existing_type=sa.String(length=24), nullable=False)
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_item_texts_state'),
                                         check_of('state', VALUES['item_texts', 'state'][0]))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('origin', existing_type=sa.String(length=16), nullable=False)
        for column in ('status', 'origin'):
            batch_op.create_check_constraint(op.f(f'ck_items_{column}'),
                                             check_of(column, VALUES['items', column][0]))
    for table, column in VALUES:
        if table in ('items', 'item_texts'):
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'),
                                             check_of(column, VALUES[table, column][0]))


def downgrade() -> None:
    """Downgrade schema."""
    for table, column in reversed(list(VALUES)):
        if table in ('items', 'item_texts'):
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
    op.execute("UPDATE deliveries SET status = 'queued' WHERE status = 'pending'")
    op.execute("UPDATE deliveries SET status = 'retry' WHERE status = 'deferred'")
    op.execute("UPDATE submissions SET status = 'submitted' WHERE status = 'received'")
    op.execute("UPDATE translation_memory SET origin = 'edited' WHERE origin = 'reviewed'")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_items_status'), type_='check')
        batch_op.drop_constraint(op.f('ck_items_origin'), type_='check')
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('origin')
    with op.batch_alter_table('item_texts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_item_texts_state'), type_='check')
        batch_op.add_column(sa.Column('origin', sa.String(length=24), nullable=True))
    op.execute("UPDATE item_texts SET origin = CASE WHEN state = 'reviewed' THEN 'edited' "
               "WHEN state = 'needs_editing' THEN 'machine' ELSE state END")
    with op.batch_alter_table('item_texts', schema=None) as batch_op:
        batch_op.alter_column('origin', existing_type=sa.String(length=24), nullable=False)
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('version')
        batch_op.drop_column('state')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('pid')
        batch_op.drop_column('host')
    op.drop_table('leases')
