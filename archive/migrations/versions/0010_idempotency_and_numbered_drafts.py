"""Idempotency keys for issuing requests; when a draft took its number

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor", "key", name="uq_idempotency_keys_actor_key"),
    )
    op.create_index("ix_idempotency_keys_document_id", "idempotency_keys", ["document_id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("numbered_at", sa.DateTime(timezone=True), nullable=True))
    # Drafts that already hold a number: the moment they took it is in the event log.
    op.execute(
        """
        UPDATE documents SET numbered_at = (
            SELECT MAX(events.at) FROM events
            WHERE events.entity = 'document' AND events.entity_id = documents.id
              AND events.action = 'number_assigned'
        )
        WHERE number IS NOT NULL
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("numbered_at")
    op.drop_index("ix_idempotency_keys_document_id", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
