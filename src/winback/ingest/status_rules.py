"""Status rules of a generic mapping: a small declarative table, read in order, that decides an
order's status from several columns (never ``eval``).

::

    [[status_rules]]
    when = { order_status = ["canceled", "unavailable"], order_approved_at = "" }
    status = "closed"            # cancelled before any payment was approved

    [[status_rules]]
    when = { order_status = "canceled" }
    status = "cancelled"         # cancelled after payment

The first rule whose every condition holds decides; a rule with no ``when`` always holds (a
default). A condition names a column by its header (any column of the file, or of a joined
file as ``payments.payment_type``) and is one of:

* a string: the cell equals it (``""``: the cell is empty);
* a list of strings: the cell equals one of them;
* a table ``{ starts_with = "C" }``, ``{ empty = true }``, ``{ equals = "x" }``,
  ``{ one_of = ["x", "y"] }`` or ``{ not = "x" }``.

Cells are compared after cleaning (padding and Excel guards off) and ignoring case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from winback.errors import MappingError, MissingColumnError
from winback.ingest.cleaning import clean_text, normalise_header
from winback.model import OrderStatus

TESTS = ("equals", "one_of", "starts_with", "empty", "not")


@dataclass(frozen=True)
class Condition:
    """One column's test: ``test`` is one of :data:`TESTS`, ``values`` its operands."""

    header: str
    test: str
    values: tuple[str, ...]

    def holds(self, cell: str) -> bool:
        text = (clean_text(cell) or "").casefold()
        if self.test == "empty":
            return (text == "") == (self.values == ("true",))
        if self.test == "starts_with":
            return text.startswith(self.values[0].casefold())
        matches = text in {value.strip().casefold() for value in self.values}
        return not matches if self.test == "not" else matches


@dataclass(frozen=True)
class StatusRule:
    """``status`` when every condition holds."""

    conditions: tuple[Condition, ...]
    status: OrderStatus


def load_rules(document: object, file: str) -> tuple[StatusRule, ...]:
    """The ``[[status_rules]]`` array of a mapping; :class:`MappingError` when malformed."""
    if not isinstance(document, list):
        raise MappingError("status_rules: write each rule as a [[status_rules]] table", file=file)
    return tuple(_rule(position, entry, file) for position, entry in enumerate(document, 1))


def _rule(position: int, entry: object, file: str) -> StatusRule:
    where = f"status_rules rule {position}"
    if not isinstance(entry, dict) or set(entry) - {"when", "status"}:
        raise MappingError(f"{where}: give 'when' (optional) and 'status' only", file=file)
    try:
        status = OrderStatus(str(entry.get("status", "")).strip().lower())
    except ValueError:
        choices = ", ".join(OrderStatus)
        given = entry.get("status")
        raise MappingError(f"{where}: bad status {given!r} (one of {choices})", file=file) from None
    when = entry.get("when", {})
    if not isinstance(when, dict):
        raise MappingError(f"{where}: 'when' is a table of column = condition", file=file)
    conditions = tuple(_condition(where, header, test, file) for header, test in when.items())
    return StatusRule(conditions, status)


def _condition(where: str, header: str, test: object, file: str) -> Condition:
    if isinstance(test, str):
        return Condition(header, "equals", (test,))
    if isinstance(test, list) and test and all(isinstance(value, str) for value in test):
        return Condition(header, "one_of", tuple(test))
    if isinstance(test, dict) and len(test) == 1:
        ((name, value),) = test.items()
        if name == "empty" and isinstance(value, bool):
            return Condition(header, "empty", ("true" if value else "false",))
        if name in ("equals", "starts_with", "not") and isinstance(value, str):
            return Condition(header, name, (value,))
        if name == "one_of" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return Condition(header, name, tuple(value))
    tests = ", ".join(TESTS)
    reason = (
        f"{where}: the condition on {header!r} must be a string, a list of strings or one "
        f"test ({tests})"
    )
    raise MappingError(reason, file=file)


@dataclass(frozen=True)
class PlacedRule:
    """A rule whose conditions know the position of their column in one file."""

    tests: tuple[tuple[int, Condition], ...]
    status: OrderStatus

    def decides(self, cells: Sequence[str]) -> bool:
        return all(
            condition.holds(cells[position] if position < len(cells) else "")
            for position, condition in self.tests
        )


def place_rules(
    rules: Sequence[StatusRule], headers: Sequence[str], file: str, mapping_file: str
) -> tuple[PlacedRule, ...]:
    """The rules with each condition's column found in ``headers``; a column no header
    matches is fatal (:class:`MissingColumnError`), like a mapped column the file lacks."""
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        index.setdefault(normalise_header(header), position)
    placed = []
    for number, rule in enumerate(rules, start=1):
        tests = []
        for condition in rule.conditions:
            found_at = index.get(normalise_header(condition.header))
            if found_at is None:
                found = ", ".join(repr(h.strip()) for h in headers if h.strip())
                reason = (
                    f"status rule {number} of mapping {mapping_file} reads column "
                    f"{condition.header!r}, which is missing; the headers found are: {found}"
                )
                raise MissingColumnError(reason, file=file, column=condition.header)
            tests.append((found_at, condition))
        placed.append(PlacedRule(tuple(tests), rule.status))
    return tuple(placed)


def decide(rules: Sequence[PlacedRule], cells: Sequence[str]) -> OrderStatus | None:
    """The status of the first rule that holds for ``cells``, or None."""
    return next((rule.status for rule in rules if rule.decides(cells)), None)
