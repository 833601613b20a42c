"""ambassador portal, invitations, deactivated accounts, weekly digests

Revision ID: 0011
Revises: 0010

- submissions: kind (link | text), title, suggested theme, image link and credit, the item it
  became or named (item_id; ``duplicate`` when that item was already collected), an editor's
  return (returned_by / returned_at / return_comment), updated_at and a lease
  (claimed_by / lease_expires_at) for the run collecting it;
- users: deactivated_at (users.email came with 0009);
- a new table ``invitations`` (signed single-use links to set a password: invitations and
  password resets);
- a new table ``ambassador_digests`` (one weekly digest per ambassador and week).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (written out: a migration must not change when the code does).
KINDS = ("link", "text")
PURPOSES = ("invite", "reset")
ROLES = ("editor", "approver", "ambassador", "admin")


def check_of(column: str, allowed: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in allowed)})"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), nullable=False,
                                      server_default='text'))
        batch_op.add_column(sa.Column('title', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('theme', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('image_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('image_credit', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('duplicate', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('returned_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('returned_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('return_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint(op.f('ck_submissions_kind'), check_of('kind', KINDS))
        batch_op.create_foreign_key(batch_op.f('fk_submissions_item_id_items'), 'items',
                                    ['item_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_submissions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_created_at'), ['created_at'],
                              unique=False)
    op.execute(sa.text("UPDATE submissions SET kind = 'link' WHERE url IS NOT NULL"))
    op.execute(sa.text("UPDATE submissions SET updated_at = created_at"))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        'invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('region', sa.String(length=40), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(check_of('purpose', PURPOSES), name=op.f('ck_invitations_purpose')),
        sa.CheckConstraint(check_of('role', ROLES), name=op.f('ck_invitations_role')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_invitations_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
        sa.UniqueConstraint('nonce', name=op.f('uq_invitations_nonce')),
    )
    op.create_table(
        'ambassador_digests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.String(length=10), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_ambassador_digests_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ambassador_digests')),
        sa.UniqueConstraint('user_id', 'week', name=op.f('uq_ambassador_digests_user_id')),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('ambassador_digests')
    op.drop_table('invitations')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_created_at'))
        batch_op.drop_index(batch_op.f('ix_submissions_user_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_item_id'))
        batch_op.drop_constraint(batch_op.f('fk_submissions_item_id_items'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_submissions_kind'), type_='check')
        for column in ('lease_expires_at', 'claimed_by', 'updated_at', 'return_comment',
                       'returned_at', 'returned_by', 'duplicate', 'item_id', 'image_credit',
                       'image_url', 'theme', 'title', 'kind'):
            batch_op.drop_column(column)
