"""case files (卷宗), attachments (证据材料) and filing fields (结案归档)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _case_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("archive_no", sa.String(length=20), nullable=True),
        sa.Column("file_no", sa.String(length=80), nullable=True),
        sa.Column("retention", sa.String(length=20), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_by", sa.String(length=100), nullable=True),
    ]


def upgrade() -> None:
    for column in _case_columns():
        op.add_column("cases", column)
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachments_case_id", "attachments", ["case_id"])
    op.create_table(
        "case_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("content_pages", sa.Integer(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("built_by", sa.String(length=100), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "version", name="uq_case_files_case_version"),
    )
    op.create_index("ix_case_files_case_id", "case_files", ["case_id"])
    op.create_index("ix_case_files_sha256", "case_files", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_case_files_sha256", table_name="case_files")
    op.drop_index("ix_case_files_case_id", table_name="case_files")
    op.drop_table("case_files")
    op.drop_index("ix_attachments_case_id", table_name="attachments")
    op.drop_table("attachments")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for column in reversed(_case_columns()):
            batch_op.drop_column(column.name)
