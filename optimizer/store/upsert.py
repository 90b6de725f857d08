"""One upsert for SQLite and PostgreSQL, fast enough for 200,000 rows.

::

    INSERT INTO t (c1, ...) VALUES (...)
    ON CONFLICT (key) DO UPDATE SET c = excluded.c, ...
    WHERE t.c1 IS DISTINCT FROM excluded.c1 OR ...      -- SQLite: IS NOT

Re-sending an identical row changes nothing (not even ``updated_at``);
re-sending a changed row updates exactly that row. Values are converted from a
DataFrame column by column (vectorised) into what the driver stores for each
column type, and sent with the driver's ``executemany``: SQLAlchemy's
per-value type processing costs more than the database itself at this size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["upsert_frame"]


def _sqlite_datetime(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _column_values(series: pd.Series, column: sa.Column, dialect: str) -> list[Any]:
    """The driver-level values of one column, ``None`` for missing."""
    import numpy as np
    import pandas as pd

    kind = type(column.type).__name__
    missing = series.isna().to_numpy()
    if kind == "Money":
        cents = np.round(pd.to_numeric(series, errors="raise").to_numpy(dtype="float64") * 100)
        if dialect == "sqlite":
            out = (cents / 100).astype(object)
        else:
            out = np.array(
                [None if m else Decimal(int(c)).scaleb(-2) for c, m in zip(cents, missing, strict=True)], dtype=object
            )
    elif isinstance(column.type, sa.Date) and not isinstance(column.type, sa.DateTime):
        dates = pd.to_datetime(series)
        out = (dates.dt.strftime("%Y-%m-%d") if dialect == "sqlite" else dates.dt.date).to_numpy(dtype=object)
    elif isinstance(column.type, sa.DateTime) or kind == "UTCDateTime":
        values = series.to_numpy(dtype=object)
        out = np.array([_sqlite_datetime(v) for v in values], dtype=object) if dialect == "sqlite" else values
    elif isinstance(column.type, sa.Integer):
        out = np.array(
            [None if m else int(v) for v, m in zip(series.to_numpy(dtype=object), missing, strict=True)], dtype=object
        )
    elif isinstance(column.type, sa.Float | sa.Numeric):
        out = series.to_numpy(dtype="float64").astype(object)
    else:
        out = series.to_numpy(dtype=object)
    out = out.copy()
    out[missing] = None
    return out.tolist()


def upsert_frame(
    connection: Connection,
    table: sa.Table,
    frame: pd.DataFrame,
    *,
    key: Sequence[str],
    compare: Sequence[str],
    touch: Sequence[str] = (),
    batch: int = 20_000,
) -> None:
    """Insert the rows of ``frame`` into ``table``; for existing keys, update
    when a ``compare`` column differs (``touch`` columns are written with them
    but not compared)."""
    if frame.empty:
        return
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - only the two supported stores
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    columns = [*key, *compare, *touch]
    marker = "?" if dialect == "sqlite" else "%s"
    distinct = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    quote = connection.dialect.identifier_preparer.quote
    name = quote(table.name)
    sql = (
        f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(k) for k in key)}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in [*compare, *touch])
        + " WHERE "
        + " OR ".join(f"{name}.{quote(c)} {distinct} excluded.{quote(c)}" for c in compare)
    )
    values = [_column_values(frame[c], table.c[c], dialect) for c in columns]
    rows = list(zip(*values, strict=True))
    driver = connection.connection.driver_connection
    assert driver is not None  # a checked-out connection holds its DBAPI connection
    cursor = driver.cursor()
    try:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])
    finally:
        cursor.close()
