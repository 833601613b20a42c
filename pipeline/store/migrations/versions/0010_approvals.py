"""approvals: each language of an edition approved with the hash of its content; the words a
translation engine did not know, per text (the edition's frozen hash, editions.content_hash,
came with 0008)

Revision ID: 0010
Revises: 0009

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'language_approvals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('approved_by', sa.String(length=100), nullable=False),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('content_hash', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['editions.id'],
                                name=op.f('fk_language_approvals_edition_id_editions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_language_approvals')),
        sa.UniqueConstraint('edition_id', 'lang',
                            name=op.f('uq_language_approvals_edition_id')),
    )
    with op.batch_alter_table('item_texts', schema=None) as batch_op:
        # the words the engine left untranslated (the translation review marks them)
        batch_op.add_column(sa.Column('unknown_words', sa.JSON(), nullable=False,
                                      server_default='[]'))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('item_texts', schema=None) as batch_op:
        batch_op.drop_column('unknown_words')
    op.drop_table('language_approvals')
