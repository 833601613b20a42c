"""collect warnings on sources, Retry-After kept, article fall-backs on items

Revision ID: 0004
Revises: 0003

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('sources', schema=None) as batch_op:
        # what the last fetch warned about (shown by the collect report and `pipeline status`)
        batch_op.add_column(sa.Column('warnings', sa.JSON(), nullable=False,
                                      server_default='[]'))
        # a 429/503 Retry-After: no fetch before then, not even by a plain `pipeline collect`
        batch_op.add_column(sa.Column('retry_after_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('items', schema=None) as batch_op:
        # why the article page was not used and the feed summary kept (None: page used)
        batch_op.add_column(sa.Column('fallback', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('fallback')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('retry_after_at')
        batch_op.drop_column('warnings')
