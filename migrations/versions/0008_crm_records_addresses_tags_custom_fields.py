"""crm records: addresses, tags, custom fields, owner, tier, encrypted fields

Revision ID: 0008
Revises: 0010
Create Date: 2026-11-29 20:18:17.549206
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custom_field_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "entity",
            sa.Enum("CUSTOMER", "ORGANISATION", name="fieldentity", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "TEXT", "NUMBER", "DATE", "CHOICE", name="fieldkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_definitions")),
        sa.UniqueConstraint("entity", "key", name=op.f("uq_custom_field_definitions_entity_key")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name_key", name=op.f("uq_tags_name_key")),
    )
    op.create_table(
        "organization_tags",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_tags_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tags.id"],
            name=op.f("fk_organization_tags_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "tag_id", name=op.f("pk_organization_tags")),
    )
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "BILLING", "SHIPPING", "OTHER", name="addresskind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("line1", sa.Text(), nullable=True),
        sa.Column("line2", sa.Text(), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=False),
        sa.Column("postcode", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_addresses_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_addresses_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addresses_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_addresses_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "custom_field_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_custom_field_values_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["custom_field_definitions.id"],
            name=op.f("fk_custom_field_values_definition_id_custom_field_definitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_custom_field_values_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_values")),
        sa.UniqueConstraint(
            "definition_id",
            "customer_id",
            name=op.f("uq_custom_field_values_definition_id_customer_id"),
        ),
        sa.UniqueConstraint(
            "definition_id",
            "organization_id",
            name=op.f("uq_custom_field_values_definition_id_organization_id"),
        ),
    )
    with op.batch_alter_table("custom_field_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_custom_field_values_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_custom_field_values_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "customer_tags",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_tags_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_customer_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("customer_id", "tag_id", name=op.f("pk_customer_tags")),
    )
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_tags_tag_id_customer_id", ["tag_id", "customer_id"], unique=False
        )
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret", sa.Text(), nullable=True))

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("tier", sa.String(length=40), nullable=False, server_default="standard")
        )
        # owner_id itself came with revision 0009 (the privacy work's scoping).
        batch_op.create_index(batch_op.f("ix_customers_name_key"), ["name_key"], unique=False)
        batch_op.create_index("ix_customers_owner_id_id", ["owner_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_phone_hash"), ["phone_hash"], unique=False)
        batch_op.create_index("ix_customers_stage_id", ["lifecycle_stage", "id"], unique=False)
        batch_op.create_index("ix_customers_tier_id", ["tier", "id"], unique=False)
    _fill_name_keys()
    # Encrypted values are longer than the plaintext they replace.
    _retype("customers", "phone", sa.VARCHAR(length=40), sa.Text())
    _retype("customers", "address", sa.VARCHAR(length=500), sa.Text())
    _retype("organizations", "address", sa.VARCHAR(length=500), sa.Text())


def _retype(table: str, column: str, old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    """Change a column's type. On SQLite without batch mode: its table copy would drop
    `customers`, which rows of other tables reference, with foreign keys on (SQLite
    3.35+ renames, adds and drops columns in place)."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(table, column, existing_type=old, type_=new, existing_nullable=True)
        return
    kept = f"{column}_before_0008"
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {kept}")
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {new.compile(op.get_bind().dialect)}")
    op.execute(f"UPDATE {table} SET {column} = {kept}")  # noqa: S608 (our own names)
    op.execute(f"ALTER TABLE {table} DROP COLUMN {kept}")


def _fold(text: str) -> str:
    """crm_core.normalise.fold as of this revision (a migration must not change later)."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    refolded = unicodedata.normalize("NFKD", stripped.casefold())
    return " ".join("".join(c for c in refolded if not unicodedata.combining(c)).split())


def _fill_name_keys() -> None:
    """Existing customers get their search key. Phones and addresses stay as they are:
    a migration has no keys; `servicedesk crm rotate-keys` encrypts them afterwards."""
    customers = sa.table("customers", sa.column("id"), sa.column("name"), sa.column("name_key"))
    bind = op.get_bind()
    for row in bind.execute(sa.select(customers.c.id, customers.c.name)).all():
        bind.execute(
            customers.update()
            .where(customers.c.id == row.id)
            .values(name_key=_fold(row.name or "")[:200])
        )


def downgrade() -> None:
    _retype("organizations", "address", sa.Text(), sa.VARCHAR(length=500))
    _retype("customers", "address", sa.Text(), sa.VARCHAR(length=500))
    _retype("customers", "phone", sa.Text(), sa.VARCHAR(length=40))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_tier_id")
        batch_op.drop_index("ix_customers_stage_id")
        batch_op.drop_index(batch_op.f("ix_customers_phone_hash"))
        batch_op.drop_index("ix_customers_owner_id_id")
        batch_op.drop_index(batch_op.f("ix_customers_name_key"))
        batch_op.drop_column("tier")
        batch_op.drop_column("phone_hash")
        batch_op.drop_column("name_key")

    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("secret")

    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_tags_tag_id_customer_id")
    op.drop_table("customer_tags")
    with op.batch_alter_table("custom_field_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_field_values_organization_id"))
        batch_op.drop_index(batch_op.f("ix_custom_field_values_customer_id"))

    op.drop_table("custom_field_values")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addresses_organization_id"))
        batch_op.drop_index(batch_op.f("ix_addresses_customer_id"))

    op.drop_table("addresses")
    op.drop_table("organization_tags")
    op.drop_table("tags")
    op.drop_table("custom_field_definitions")
