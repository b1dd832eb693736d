"""Dialect helpers: the same upsert on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Table) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing/do_update`` for the session's dialect."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """The rows an INSERT, UPDATE or DELETE matched. ``execute`` types its result as a plain ``Result``;
    for these statements it is a ``CursorResult``, which counts them."""
    assert isinstance(result, CursorResult), type(result)
    return result.rowcount
