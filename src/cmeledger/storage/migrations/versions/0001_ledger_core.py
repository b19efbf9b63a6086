"""ledger core: physicians, credentials, activities, completions, documents, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-25 18:21:25.690463
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("provider", sa.String(length=300), nullable=False),
        sa.Column("accredited_provider", sa.String(length=300), nullable=True),
        sa.Column("joint_providers", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("accme_activity_id", sa.String(length=12), nullable=True),
        sa.Column("provider_activity_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activities_accme_activity_id"), ["accme_activity_id"], unique=False
        )

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("physician_id", sa.String(length=36), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_physician_id"), ["physician_id"], unique=False
        )

    op.create_table(
        "physicians",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=120), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("degree", sa.String(length=8), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("credentials", sa.JSON(), nullable=False),
        sa.Column("birth_enc", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_physicians")),
    )
    with op.batch_alter_table("physicians", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_physicians_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_physicians_npi"), ["npi"], unique=False)

    op.create_table(
        "activity_credits",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_credits_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "type_code", name=op.f("pk_activity_credits")),
    )
    op.create_table(
        "board_certifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("physician_id", sa.Uuid(), nullable=False),
        sa.Column("board", sa.String(length=16), nullable=False),
        sa.Column("specialty", sa.String(length=200), nullable=False),
        sa.Column("board_id_enc", sa.LargeBinary(), nullable=True),
        sa.Column("board_id_bidx", sa.String(length=64), nullable=True),
        sa.Column("starts", sa.Date(), nullable=True),
        sa.Column("ends", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["physician_id"],
            ["physicians.id"],
            name=op.f("fk_board_certifications_physician_id_physicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_certifications")),
    )
    with op.batch_alter_table("board_certifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_board_certifications_board_id_bidx"), ["board_id_bidx"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_board_certifications_physician_id"), ["physician_id"], unique=False
        )

    op.create_table(
        "completions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("physician_id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_completions_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["physician_id"],
            ["physicians.id"],
            name=op.f("fk_completions_physician_id_physicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_completions")),
    )
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_completions_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            "ix_completions_physician_date", ["physician_id", "completed_on"], unique=False
        )

    op.create_table(
        "dea_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("physician_id", sa.Uuid(), nullable=False),
        sa.Column("number_enc", sa.LargeBinary(), nullable=False),
        sa.Column("number_bidx", sa.String(length=64), nullable=False),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["physician_id"],
            ["physicians.id"],
            name=op.f("fk_dea_registrations_physician_id_physicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dea_registrations")),
        sa.UniqueConstraint("number_bidx", name=op.f("uq_dea_registrations_number_bidx")),
    )
    with op.batch_alter_table("dea_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dea_registrations_physician_id"), ["physician_id"], unique=False
        )

    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("physician_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["physician_id"],
            ["physicians.id"],
            name=op.f("fk_documents_physician_id_physicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint(
            "physician_id", "sha256", name=op.f("uq_documents_physician_id_sha256")
        ),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_documents_physician_id"), ["physician_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"], unique=False)

    op.create_table(
        "licenses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("physician_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("board_type", sa.String(length=4), nullable=False),
        sa.Column("number_enc", sa.LargeBinary(), nullable=False),
        sa.Column("number_bidx", sa.String(length=64), nullable=False),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["physician_id"],
            ["physicians.id"],
            name=op.f("fk_licenses_physician_id_physicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licenses")),
        sa.UniqueConstraint(
            "jurisdiction",
            "board_type",
            "number_bidx",
            name=op.f("uq_licenses_jurisdiction_board_type_number_bidx"),
        ),
    )
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licenses_number_bidx"), ["number_bidx"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_licenses_physician_id"), ["physician_id"], unique=False
        )

    op.create_table(
        "completion_credits",
        sa.Column("completion_id", sa.Uuid(), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["completions.id"],
            name=op.f("fk_completion_credits_completion_id_completions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("completion_id", "type_code", name=op.f("pk_completion_credits")),
    )
    op.create_table(
        "provenance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("completion_id", sa.Uuid(), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("confidence_milli", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["completions.id"],
            name=op.f("fk_provenance_completion_id_completions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance")),
    )
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provenance_completion_id"), ["completion_id"], unique=False
        )

    op.execute(
        sa.text(
            "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, :genesis)"
        ).bindparams(genesis="0" * 64)
    )
    _make_audit_log_append_only()


def _make_audit_log_append_only() -> None:
    """The database itself refuses to rewrite history, not just our code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION cmeledger_audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END $$""")
        op.execute("""CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION cmeledger_audit_log_append_only()""")
        op.execute("""CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                      FOR EACH STATEMENT EXECUTE FUNCTION cmeledger_audit_log_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
                           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""")


def _drop_append_only_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION cmeledger_audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")


def downgrade() -> None:
    _drop_append_only_guard()
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenance_completion_id"))

    op.drop_table("provenance")
    op.drop_table("completion_credits")
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licenses_physician_id"))
        batch_op.drop_index(batch_op.f("ix_licenses_number_bidx"))

    op.drop_table("licenses")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_documents_physician_id"))

    op.drop_table("documents")
    with op.batch_alter_table("dea_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dea_registrations_physician_id"))

    op.drop_table("dea_registrations")
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.drop_index("ix_completions_physician_date")
        batch_op.drop_index(batch_op.f("ix_completions_activity_id"))

    op.drop_table("completions")
    with op.batch_alter_table("board_certifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_certifications_physician_id"))
        batch_op.drop_index(batch_op.f("ix_board_certifications_board_id_bidx"))

    op.drop_table("board_certifications")
    op.drop_table("activity_credits")
    with op.batch_alter_table("physicians", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_physicians_npi"))
        batch_op.drop_index(batch_op.f("ix_physicians_email"))

    op.drop_table("physicians")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_physician_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("audit_head")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_accme_activity_id"))

    op.drop_table("activities")
