"""Alembic environment: runs on the connection ``open_store`` hands over."""

from alembic import context
from sqlmodel import SQLModel

from optimizer.store import tables  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("spendopt runs its migrations online only")
run_migrations_online()
