"""hash-chained audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Plain ADD COLUMN (no table rebuild): a rebuilt SQLite table would lose its append-only triggers.
    op.add_column("events", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("events", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index("uq_events_seq", "events", ["seq"], unique=True)
    _chain_existing_entries()


def _chain_existing_entries() -> None:
    """Entries written before the chain existed join it in id order (the one sanctioned rewrite)."""
    from anjuan.archive.audit import GENESIS, entry_hash

    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, at, actor, entity, entity_id, action, data FROM events ORDER BY id")
    ).fetchall()
    sqlite = bind.dialect.name == "sqlite"
    if rows:
        if sqlite:
            op.execute("DROP TRIGGER events_no_update")
        else:
            op.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
        prev = GENESIS
        import datetime as dt
        import json

        for seq, row in enumerate(rows, start=1):
            at = row.at if isinstance(row.at, dt.datetime) else dt.datetime.fromisoformat(str(row.at))
            data = row.data if isinstance(row.data, dict) else json.loads(row.data or "{}")
            digest = entry_hash(
                prev,
                seq=seq,
                at=at,
                actor=row.actor,
                entity=row.entity,
                entity_id=row.entity_id,
                action=row.action,
                data=data,
            )
            bind.execute(
                sa.text("UPDATE events SET seq = :s, prev_hash = :p, hash = :h WHERE id = :i"),
                {"s": seq, "p": prev, "h": digest, "i": row.id},
            )
            prev = digest
        if sqlite:
            op.execute(
                "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
            )
        else:
            op.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
        bind.execute(
            sa.text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, :s, :h)"), {"s": len(rows), "h": prev}
        )


def downgrade() -> None:
    op.drop_index("uq_events_seq", table_name="events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_head")
