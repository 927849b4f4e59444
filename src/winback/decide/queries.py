"""Planning SQL over Arrow: the named files of ``winback/decide/sql/`` run in DuckDB.

Planning at scale works on columns (docs/playbooks.md, "Planning at scale"): the facts arrive
as Arrow tables, the rules are SQL over them, the actions leave as an Arrow table. Each query
runs in a fresh in-memory DuckDB that sees only the frames it is given.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any, Final

import duckdb
import pyarrow as pa

from winback.contracts import PLANNED_ACTIONS

__all__ = [
    "as_planned_actions",
    "bound",
    "connect",
    "run_query",
    "run_script",
    "scalar",
    "sql_text",
    "table",
]

SETTINGS: Final = {"preserve_insertion_order": "false", "threads": "2", "memory_limit": "512MB"}
"""How planning's DuckDB runs (docs/playbooks.md, "Planning at scale"): at most 512 MB of
memory, spilling to a temporary folder beyond (256 MB is too little for the re-order query
at a million open orders: DuckDB runs out of memory), two threads; results without an
``ORDER BY`` may come in any order (every query that hands rows on sorts them), which lets
DuckDB stream instead of buffering. One thread, or streaming results out in record
batches, did not lower planning's peak at a million open orders (docs/benchmarks.md)."""


@cache
def sql_text(name: str) -> str:
    """The text of ``winback/decide/sql/<name>``."""
    return resources.files("winback.decide").joinpath(f"sql/{name}").read_text("utf-8")


@contextmanager
def connect() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory DuckDB for one planning step, instants in UTC, spilling (when it
    must) to a temporary folder of its own, removed afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="winback-plan-") as spill,
        duckdb.connect(config={**SETTINGS, "temp_directory": spill}) as con,
    ):
        con.execute("SET TimeZone = 'UTC'")
        yield con


def run_query(
    name: str, params: Mapping[str, object], *, text: str | None = None, **frames: pa.Table
) -> pa.Table:
    """Run the named SQL file (or ``text``, a query assembled from it) over ``frames``,
    registered under their keyword names; the result as Arrow."""
    with connect() as conn:
        for frame_name, frame in frames.items():
            conn.register(frame_name, frame)
        result: pa.Table = conn.sql(text or sql_text(name), params=dict(params)).to_arrow_table()
        return result


def bound(params: Mapping[str, Any], query: str) -> dict[str, Any]:
    """The parameters ``query`` uses (DuckDB refuses unused ones)."""
    return {key: value for key, value in params.items() if f"${key}" in query}


def as_planned_actions(found: pa.Table) -> pa.Table:
    """A planner query's rows in the ``PLANNED_ACTIONS`` contract: its columns of that name,
    and the instants ``due_us`` / ``expires_us`` (microseconds) as ``due_at`` / ``expires_at``."""
    columns = {name: found[name] for name in found.column_names}
    columns["due_at"] = found["due_us"]
    columns["expires_at"] = found["expires_us"]
    arrays = [columns[field.name].cast(field.type) for field in PLANNED_ACTIONS]
    return pa.Table.from_arrays(arrays, schema=PLANNED_ACTIONS)


_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


def run_script(con: duckdb.DuckDBPyConnection, text: str, params: Mapping[str, Any]) -> None:
    """Run the statements of ``text`` (each ends with ``;`` at the end of a line) one by one,
    each with the parameters it uses (DuckDB binds parameters to one statement only)."""
    for statement in _STATEMENT_END.split(text):
        code = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        )
        if code.strip():
            con.execute(statement, bound(params, code))


def table(con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, Any]) -> pa.Table:
    """The result of ``query`` (with the parameters it uses) as Arrow."""
    result: pa.Table = con.sql(query, params=bound(params, query)).to_arrow_table()
    return result


def scalar(con: duckdb.DuckDBPyConnection, query: str) -> Any:
    """The one value ``query`` returns."""
    return con.sql(query).to_arrow_table().column(0)[0].as_py()
