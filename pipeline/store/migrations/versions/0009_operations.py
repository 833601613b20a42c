"""operations: scheduled drafts and planned sends, source claims, notifications, users' email

Revision ID: 0009
Revises: 0008

- editions.schedule_key (unique: one scheduled draft per publication and period) and
  editions.send_at (when an approved edition is to be sent);
- sources.claimed_by / lease_expires_at (workers on several hosts claim the sources they
  collect) and sources.failing_since_at (a source failing for a day is reported);
- users.email (the team's notifications);
- a new table ``notifications`` (an outbox, one row per thing to tell).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('send_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_editions_schedule_key'),
                                          ['schedule_key'])
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
    # a source failing now has been failing since its last error at least
    op.execute(sa.text("UPDATE sources SET failing_since_at = last_error_at "
                       "WHERE error_count > 0"))
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_to', sa.JSON(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('key', name=op.f('uq_notifications_key')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_created_at'), ['created_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_sent_at'), ['sent_at'],
                              unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('notifications')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('failing_since_at')
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_editions_schedule_key'), type_='unique')
        batch_op.drop_column('send_at')
        batch_op.drop_column('schedule_key')
