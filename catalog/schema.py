"""The catalogue's tables (product, image, product_description, product_prediction,
scoring_failure) and their idempotent creation."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    inspect,
)

metadata = MetaData()

product = Table(
    "product",
    metadata,
    Column("product_id", Integer, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

image = Table(
    "image",
    metadata,
    Column("image_id", Integer, primary_key=True),
    Column("product_id", Integer, ForeignKey("product.product_id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("image_index", Integer, nullable=False),
    # Assumption: an index is a product's priority order, so it is unique per product. The
    # constraint's index also serves the query's (product_id, image_index = 0) lookup.
    UniqueConstraint("product_id", "image_index", name="uq_image_product_index"),
    CheckConstraint("image_index >= 0", name="ck_image_index_non_negative"),
)

product_description = Table(
    "product_description",
    metadata,
    Column("product_description_id", Integer, primary_key=True),
    Column("product_id", Integer, ForeignKey("product.product_id", ondelete="CASCADE"), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("original_text", Text, nullable=True),
    Column("translated_text", Text, nullable=True),
    # Assumption: one description per product and country (the query picks "the" us one).
    UniqueConstraint("product_id", "country_code", name="uq_description_product_country"),
)

product_prediction = Table(
    "product_prediction",
    metadata,
    Column("product_id", Integer, ForeignKey("product.product_id", ondelete="CASCADE"), nullable=False),
    Column("model_name", String(64), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("label", String(64), nullable=False),
    Column("probability", Float, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("product_id", "model_name", "model_version", name="pk_product_prediction"),
)

# Products a model could not score (today: the category model's photo could not be fetched or
# decoded), one row per product and model version: the last reason, and how many runs tried.
# A later run retries them until `attempts` reaches its limit; a success deletes the row.
scoring_failure = Table(
    "scoring_failure",
    metadata,
    Column("product_id", Integer, ForeignKey("product.product_id", ondelete="CASCADE"), nullable=False),
    Column("model_name", String(64), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("reason", String(32), nullable=False),  # a key of catalog.photos.REASONS
    Column("detail", Text, nullable=False),
    Column("url", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("product_id", "model_name", "model_version", name="pk_scoring_failure"),
)


def create_schema(engine: Engine) -> None:
    """Idempotent: creates what is missing, leaves existing tables and data alone."""
    metadata.create_all(engine, checkfirst=True)


def add_failure_table(engine: Engine) -> None:
    """scoring_failure in a catalogue created before it existed; a database without the catalogue
    is left alone (its first query says to run `catalog init`)."""
    if inspect(engine).has_table(product.name):
        scoring_failure.create(engine, checkfirst=True)
