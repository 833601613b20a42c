"""delivery: content hash, subscriber tokens, consents, bounce reports, public requests

Revision ID: 0008
Revises: 0007

- editions.content_hash: what was approved (a send refuses an edition changed since);
- subscribers.token (random, opaque: what signed links carry) and notice_sent_at (at most
  one confirmation mail a day); existing subscribers get a token here;
- consents: what a subscriber agreed to, when, from which address, in which words;
- bounce_reports: DSN, complaints and unsubscribe mails, kept raw;
- public_requests: sign-ups counted per address (rate limit of the public forms);
- an index on deliveries (edition_id, status): the counts of a send.
"""
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=80), nullable=True))
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('notice_sent_at', sa.DateTime(timezone=True),
                                      nullable=True))
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM subscribers"))]
    for subscriber_id in ids:
        connection.execute(sa.text("UPDATE subscribers SET token = :token WHERE id = :id"),
                           {"token": secrets.token_urlsafe(16), "id": subscriber_id})
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_unique_constraint(op.f('uq_subscribers_token'), ['token'])
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_edition_status', ['edition_id', 'status'],
                              unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('publications', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'],
                            name=op.f('fk_consents_subscriber_id_subscribers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_subscriber_id'), ['subscriber_id'],
                              unique=False)

    op.create_table('bounce_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('subscriber_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('diagnostic', sa.Text(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'],
                            name=op.f('fk_bounce_reports_delivery_id_deliveries'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'],
                            name=op.f('fk_bounce_reports_subscriber_id_subscribers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bounce_reports')),
    sa.UniqueConstraint('digest', name=op.f('uq_bounce_reports_digest'))
    )
    with op.batch_alter_table('bounce_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bounce_reports_delivery_id'), ['delivery_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_bounce_reports_subscriber_id'), ['subscriber_id'],
                              unique=False)

    op.create_table('public_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_requests'))
    )
    with op.batch_alter_table('public_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_requests_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_requests_ip'), ['ip'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('public_requests')
    op.drop_table('bounce_reports')
    op.drop_table('consents')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_edition_status')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_subscribers_token'), type_='unique')
        batch_op.drop_column('notice_sent_at')
        batch_op.drop_column('token')
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_column('content_hash')
