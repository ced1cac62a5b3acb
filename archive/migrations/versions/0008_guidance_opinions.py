"""安全生产执法指导意见书 (guidance opinions from 案卷评查)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 14:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guidance_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("reply_by", sa.Date(), nullable=False),
        sa.Column("review", sa.JSON(), nullable=False),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "number", name="uq_guidance_org_number"),
    )
    op.create_index("ix_guidance_opinions_org_id", "guidance_opinions", ["org_id"])
    op.create_index("ix_guidance_opinions_case_id", "guidance_opinions", ["case_id"])
    op.create_index("ix_guidance_opinions_pdf_sha256", "guidance_opinions", ["pdf_sha256"])


def downgrade() -> None:
    op.drop_index("ix_guidance_opinions_pdf_sha256", table_name="guidance_opinions")
    op.drop_index("ix_guidance_opinions_case_id", table_name="guidance_opinions")
    op.drop_index("ix_guidance_opinions_org_id", table_name="guidance_opinions")
    op.drop_table("guidance_opinions")
