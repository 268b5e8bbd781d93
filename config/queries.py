"""Queries on the hot path, compiled once per process (DESIGN 13).

Building a QuerySet and compiling it to SQL is pure Python, and for the create path's one read of
the day (a UNION ALL of nine branches) it cost more than the database did. `PreparedQuery` builds
and compiles a query once, with sentinel values standing for its parameters, and remembers which
compiled parameters are which; later calls only put the real values in those places, run the SQL
and convert the rows with Django's own converters. The SQL is exactly what the ORM would write.

Each parameter is declared with the model field that adapts it to the database (a UUID, a date, an
instant...): the sentinel is adapted the same way, so it is found among the compiled parameters
however the backend stores that type.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections
from django.db.models import CharField, DateField, DateTimeField, Field, IntegerField, Model, QuerySet, UUIDField
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


def _sentinel(field: Field, index: int) -> Any:
    """A value of the field's type that no real query would hold."""
    if isinstance(field, UUIDField):
        return uuid.UUID(int=0xFEED_0000_0000_0000_0000_0000_0000_0000 + index)
    if isinstance(field, DateTimeField):
        return dt.datetime(1, 1, 1, 0, 0, index, tzinfo=dt.UTC)
    if isinstance(field, DateField):
        return dt.date(1, 1, 1) + dt.timedelta(days=index)
    if isinstance(field, IntegerField):  # inside every integer column's range, or the lookup is dropped
        return 32_000 + index
    if isinstance(field, CharField):
        return f"\x01prepared-parameter-{index}\x01"
    raise TypeError(f"No sentinel for {type(field).__name__}")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, parameter name)
    compiler: SQLCompiler


class PreparedQuery:
    """`build(values)` returns the QuerySet for a mapping of parameter values; `parameters` names
    each parameter with the field that adapts it. Call `rows(**values)` to run it."""

    def __init__(self, build: Callable[[Mapping[str, Any]], QuerySet], **parameters: Field) -> None:
        self.build = build
        self.parameters = parameters
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        sentinels = {name: _sentinel(field, i) for i, (name, field) in enumerate(self.parameters.items())}
        adapted = {
            name: self.parameters[name].get_db_prep_value(value, connection) for name, value in sentinels.items()
        }
        compiler = self.build(sentinels).query.get_compiler(alias)
        sql, params = compiler.as_sql()
        slots = tuple(
            (position, name)
            for position, param in enumerate(params)
            for name, value in adapted.items()
            if param == value and not isinstance(param, bool)
        )
        missing = set(self.parameters) - {name for _, name in slots}
        if missing:
            raise ValueError(f"Parameters not found in the compiled query: {sorted(missing)}")
        return _Compiled(sql, tuple(params), slots, compiler)

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple]:
        if (compiled := self._compiled.get(using)) is None:
            compiled = self._compiled[using] = self._compile(using)
        connection = connections[using]
        params = list(compiled.params)
        for position, name in compiled.slots:
            value = self.parameters[name].get_db_prep_value(values[name], connection)
            if isinstance(compiled.params[position], int):  # keep the lookup's own integer type (Int2...)
                value = type(compiled.params[position])(value)
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            raw = cursor.fetchall()
        return list(compiled.compiler.results_iter(results=[raw], tuple_expected=True))


def columns(model: type[Model], prefix: str = "") -> list[str]:
    """`values_list` names of all of a model's stored fields, through `prefix` (e.g. "user__")."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instance(model: type[M], row: tuple, start: int = 0) -> M:
    """The model instance of `columns(model)` found in `row` from `start`: as if the ORM had loaded it."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db("default", names, row[start : start + len(names)])
