"""users.display_name: the name people read instead of the login name (issue 18)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=50), nullable=False, server_default=""))
    # An officer's login is shown with the officer's name (张伟, not zhangwei); staff without an
    # officer keep "" (shown as the login name) until an administrator gives them a name.
    op.execute(
        "UPDATE users SET display_name = "
        "(SELECT officers.name FROM officers WHERE officers.id = users.officer_id) "
        "WHERE officer_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("display_name")
