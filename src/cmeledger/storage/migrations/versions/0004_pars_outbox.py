"""pars outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:30:33.611346
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_ref_id"), ["ref_id"], unique=False)
        batch_op.create_index("ix_jobs_state_run_after", ["state", "run_after"], unique=False)

    op.create_table(
        "pars_providers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("accme_id", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("ws_user", sa.String(length=200), nullable=True),
        sa.Column("ws_password_enc", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pars_providers")),
        sa.UniqueConstraint("accme_id", name=op.f("uq_pars_providers_accme_id")),
    )
    op.create_table(
        "pars_activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("provider_activity_id", sa.String(length=100), nullable=False),
        sa.Column("accme_id", sa.String(length=9), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["pars_providers.id"],
            name=op.f("fk_pars_activities_provider_id_pars_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pars_activities")),
        sa.UniqueConstraint(
            "provider_id",
            "provider_activity_id",
            name=op.f("uq_pars_activities_provider_id_provider_activity_id"),
        ),
    )
    with op.batch_alter_table("pars_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pars_activities_accme_id"), ["accme_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pars_activities_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "pars_learner_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=120), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("birth_enc", sa.LargeBinary(), nullable=False),
        sa.Column("license_state", sa.String(length=2), nullable=True),
        sa.Column("license_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("npi_enc", sa.LargeBinary(), nullable=True),
        sa.Column("board", sa.String(length=16), nullable=True),
        sa.Column("board_id_enc", sa.LargeBinary(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["pars_activities.id"],
            name=op.f("fk_pars_learner_records_activity_id_pars_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["pars_providers.id"],
            name=op.f("fk_pars_learner_records_provider_id_pars_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pars_learner_records")),
    )
    with op.batch_alter_table("pars_learner_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pars_learner_records_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pars_learner_records_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "pars_credits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("credit_id", sa.String(length=300), nullable=False),
        sa.Column("certification", sa.String(length=120), nullable=False),
        sa.Column("board", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["pars_providers.id"],
            name=op.f("fk_pars_credits_provider_id_pars_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["pars_learner_records.id"],
            name=op.f("fk_pars_credits_record_id_pars_learner_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pars_credits")),
        sa.UniqueConstraint(
            "provider_id", "credit_id", name=op.f("uq_pars_credits_provider_id_credit_id")
        ),
    )
    with op.batch_alter_table("pars_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pars_credits_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pars_credits_state"), ["state"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("pars_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pars_credits_state"))
        batch_op.drop_index(batch_op.f("ix_pars_credits_record_id"))

    op.drop_table("pars_credits")
    with op.batch_alter_table("pars_learner_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pars_learner_records_provider_id"))
        batch_op.drop_index(batch_op.f("ix_pars_learner_records_activity_id"))

    op.drop_table("pars_learner_records")
    with op.batch_alter_table("pars_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pars_activities_provider_id"))
        batch_op.drop_index(batch_op.f("ix_pars_activities_accme_id"))

    op.drop_table("pars_activities")
    op.drop_table("pars_providers")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_state_run_after")
        batch_op.drop_index(batch_op.f("ix_jobs_ref_id"))

    op.drop_table("jobs")
