"""The sandbox that renders a shop's templates: Jinja2's immutable sandbox, made safe to run
a merchant's template inside the dispatcher.

Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` keeps a template away from
Python internals and from changing the values it is given, but its documentation is plain
that this is not enough on its own: "other exceptions may occur during the rendering so the
caller has to ensure that all exceptions are caught", and nothing in it bounds the memory or
the time a template may use (``{{ 'a' * 10**8 }}``, ``{{ lipsum(20000) }}``,
``{% for i in range(10**5) %}…``). :class:`MessageEnvironment` adds what a message needs,
through the hooks the sandbox offers for it (``intercepted_binops``/``call_binop``,
``is_safe_attribute``, ``call``, ``getattr``/``getitem``):

* Operators that can make a value of any size (``*``, ``**``, ``+``, ``~``, ``%`` on text)
  are checked *before* they run: a text or list longer than the message limit, or a number
  of more than :data:`MAX_INT_BITS` bits, is refused.
* Loops may run :attr:`RenderLimits.max_loop_items` times in all per message; ``range`` is
  capped at the same number; ``lipsum``, ``namespace``, ``cycler`` and ``joiner`` are gone.
* Text methods are limited to ones that cannot grow the text (``upper``, ``strip``,
  ``split`` …); filters that pad or repeat (``center``, ``indent``, ``format``, ``batch``,
  ``slice``, ``random``) are gone; ``join`` and ``replace`` check the size of their result
  before making it.
* ``{% include %}``, ``{% import %}`` and ``{% extends %}`` are refused: a message is one
  self-contained template.
* The message is rendered as a stream and stops past :attr:`RenderLimits.max_chars`; every
  hook and every streamed part checks the time limit, :attr:`RenderLimits.max_seconds`.
* A missing variable may be tested (``{% if buyer_name %}``) or given a default
  (``{{ buyer_name | default('您好') }}``) but never printed: printing it is an error that
  names the variable, so a message never goes out with a gap.

:func:`render` turns every failure, whatever its Python type, into a :class:`SandboxError`
saying what went wrong and on which line; nothing else comes out of it.

Sources: the Jinja2 sandbox documentation (https://jinja.palletsprojects.com/en/stable/sandbox/,
"Operator Intercepting" and "Security Considerations") and its ``jinja2/sandbox.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Final

from jinja2 import Environment, StrictUndefined, nodes, pass_environment, pass_eval_context
from jinja2 import Template as JinjaTemplate
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.exceptions import TemplateSyntaxError, UndefinedError
from jinja2.filters import FILTERS, do_int, do_replace, make_attrgetter, sync_do_join
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment

from winback.errors import WinbackError

__all__ = [
    "MAX_INT_BITS",
    "MessageEnvironment",
    "MissingVariable",
    "RenderLimits",
    "SandboxError",
    "UndefinedVariable",
    "render",
]

MAX_INT_BITS: Final = 4096
"""The largest number a template may compute (about 1 200 digits): enough for any sum of
money, far too little to stall the dispatcher on arithmetic."""

_TEXT_METHODS: Final = frozenset(
    {
        *("capitalize", "casefold", "count", "endswith", "find", "isalnum", "isalpha"),
        *("isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper"),
        *("lower", "lstrip", "partition", "removeprefix", "removesuffix", "rfind"),
        *("rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip"),
        *("swapcase", "title", "upper"),
    }
)
"""The text methods a template may call: none of them can make a text longer."""

_REMOVED_FILTERS: Final = frozenset(
    {"batch", "center", "format", "indent", "random", "slice", "xmlattr", "pprint"}
)
_REMOVED_GLOBALS: Final = ("lipsum", "namespace", "cycler", "joiner", "dict")
_LOOP_FILTER: Final = "_winback_loop"
_CONCAT_FILTER: Final = "_winback_concat"
_SIZED_FILTER: Final = "_winback_sized"
_TEMPLATE_FILE: Final = "<template>"
_UNDEFINED: Final = re.compile(r"^'([^']+)' is undefined$")


class SandboxError(WinbackError):
    """A template could not be rendered; the message says why (and on which line)."""


class UndefinedVariable(SandboxError):
    """A template printed (or computed with) a variable it was not given."""

    def __init__(self, name: str | None, hint: str, line: int | None = None) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}variable {name!r} is not defined" if name else where + hint)
        self.name = name


@dataclass(frozen=True)
class RenderLimits:
    """What one part of one message (subject, text, HTML) may use.

    ``max_chars`` bounds the rendered text and every text or list made on the way (an HTML
    e-mail with inline styles is tens of kB; an SMS is at most a few hundred characters).
    ``max_seconds`` is the CPU time one render may take; a normal message takes well under a
    millisecond. ``max_loop_items`` counts the turns of every loop in the template together.
    """

    max_chars: int = 200_000
    max_source_chars: int = 100_000
    max_seconds: float = 0.5
    max_loop_items: int = 10_000


class MissingVariable(StrictUndefined):
    """A variable the template was not given: false in a test, an error anywhere else."""

    __slots__ = ()

    def __bool__(self) -> bool:  # type: ignore[override]
        return False


class _Budget:
    """What is left of the limits during one render (held in a context variable)."""

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        # CPU time of this thread, not the wall clock: a loaded machine must not fail a
        # template that is slow only because other processes took the cores.
        self.deadline = time.thread_time() + limits.max_seconds
        self.loop_items = limits.max_loop_items

    def tick(self) -> None:
        if time.thread_time() > self.deadline:
            raise SandboxError(
                f"rendering took longer than {self.limits.max_seconds:g} s; "
                "simplify the template (fewer loops and filters)"
            )

    def loop_item(self) -> None:
        self.loop_items -= 1
        if self.loop_items < 0:
            raise SandboxError(
                f"loops may run at most {self.limits.max_loop_items} times in one message"
            )
        self.tick()


_BUDGET: ContextVar[_Budget | None] = ContextVar("winback_render_budget", default=None)


def _budget() -> _Budget | None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()
    return budget


def _max_chars() -> int:
    budget = _BUDGET.get()
    return (budget.limits if budget else RenderLimits()).max_chars


def _check_size(size: int, what: str) -> None:
    limit = _max_chars()
    if size > limit:
        raise SandboxError(f"{what} would be {size} long, more than the limit of {limit}")


def _check_int(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SandboxError(f"a number of about {bits} bits is too large for a message")


class MessageEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with limits on size, time, loops, operators and methods.

    Templates are compiled once per source (a small cache) and rendered with :func:`render`.
    """

    intercepted_binops = frozenset({"+", "*", "**", "%", "//", "/", "-"})
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self, *, autoescape: bool, limits: RenderLimits | None = None) -> None:
        super().__init__(undefined=MissingVariable, autoescape=autoescape)
        self.limits = limits or RenderLimits()
        for name in _REMOVED_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = self._range
        self.filters = {k: v for k, v in FILTERS.items() if k not in _REMOVED_FILTERS}
        self.filters |= {
            "join": _bounded_join,
            "replace": _bounded_replace,
            "sum": _numbers_sum,
            "int": _bounded_int,
            _LOOP_FILTER: _counted,
            _CONCAT_FILTER: _bounded_concat,
            _SIZED_FILTER: _sized,
        }
        self._compiled: dict[str, JinjaTemplate] = {}

    # -- the sandbox's hooks -------------------------------------------------------------

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, str):
            return attr in _TEXT_METHODS
        if isinstance(obj, int | float | complex | Decimal | bytes):
            return False  # int.to_bytes(10**9), Decimal.scaleb …: nothing a message needs
        if isinstance(obj, Mapping):
            return attr in {"items", "keys", "values", "get"}
        if isinstance(obj, list | tuple):
            return attr in {"index", "count"}
        return True  # Jinja's own objects: loop, macros

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _budget()
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        _budget()
        return super().call_unop(context, operator, arg)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _budget()
        return super().call(context, obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _budget()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _budget()
        return super().getitem(obj, argument)

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > self.limits.max_loop_items:
            raise SandboxError(
                f"range() may give at most {self.limits.max_loop_items} numbers in a message"
            )
        return numbers

    # -- compiling -----------------------------------------------------------------------

    def compiled(self, source: str) -> JinjaTemplate:
        """``source`` checked, rewritten to count its loops and joins, and compiled."""
        found = self._compiled.get(source)
        if found is not None:
            return found
        if len(source) > self.limits.max_source_chars:
            raise SandboxError(
                f"the template is {len(source)} characters long, "
                f"more than the limit of {self.limits.max_source_chars}"
            )
        tree = self.parse(source, filename=_TEMPLATE_FILE)
        _refuse_other_templates(tree)
        _count_loops_and_joins(tree)
        code = self.compile(tree, filename=_TEMPLATE_FILE)
        template = self.template_class.from_code(self, code, self.make_globals(None))
        if len(self._compiled) >= 512:
            self._compiled.pop(next(iter(self._compiled)))
        self._compiled[source] = template
        return template


def render(environment: MessageEnvironment, source: str, variables: Mapping[str, Any]) -> str:
    """``source`` rendered with ``variables`` within the environment's limits.

    Raises :class:`SandboxError` (:class:`UndefinedVariable` for a missing variable) and
    nothing else, whatever the template does.
    """
    budget = _Budget(environment.limits)
    token = _BUDGET.set(budget)
    try:
        template = environment.compiled(source)
        return _collect(template.generate(dict(variables)), budget)
    except SandboxError as error:
        if type(error) is SandboxError and not str(error).startswith("line "):
            raise SandboxError(f"{_where(error)}{error}") from None
        raise
    except TemplateSyntaxError as error:
        raise SandboxError(f"line {error.lineno}: {error.message}") from None
    except UndefinedError as error:
        raise UndefinedVariable(_undefined_name(error), str(error), _template_line(error)) from None
    except RecursionError as error:
        raise SandboxError(f"{_where(error)}the template calls itself too deeply") from None
    except MemoryError as error:
        raise SandboxError(f"{_where(error)}the template needs too much memory") from None
    except Exception as error:  # any failure of a template is the template's
        raise SandboxError(f"{_where(error)}{_describe(error)}") from None
    finally:
        _BUDGET.reset(token)


def _collect(parts: Iterator[str], budget: _Budget) -> str:
    """Join a streamed render, stopping as soon as it passes the size limit."""
    limit = budget.limits.max_chars
    collected: list[str] = []
    size = 0
    for part in parts:
        size += len(part)
        if size > limit:
            raise SandboxError(f"the message is longer than the limit of {limit} characters")
        budget.tick()
        collected.append(part)
    return "".join(collected)


# -- operators -----------------------------------------------------------------------------


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if _is_int(left) and _is_int(right):
            _check_int(left.bit_length() + right.bit_length())
    elif operator == "**":
        _check_power(left, right)
    elif operator == "+" and isinstance(left, str | list | tuple):
        limit = _max_chars()
        _check_size(_weight(left, limit) + _weight(right, limit), "the joined text or list")
    elif operator == "%" and isinstance(left, str):
        raise SandboxError("'%' formatting of text is not available; write {{ value }} instead")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, str | list | tuple) and _is_int(times):
        limit = _max_chars()
        _check_size(_weight(sequence, limit) * max(times, 0), "the repeated text or list")


def _weight(value: Any, limit: int) -> int:
    """How much text ``value`` stands for, counting shared parts every time they appear
    (``[s] * 1000`` weighs 1 000 times ``s``); stops counting past ``limit``."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif _is_int(item):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, Mapping):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1
            stack.extend(item)
        else:
            total += 1
    return total


def _check_power(base: Any, exponent: Any) -> None:
    """Only whole powers grow without bound (a float overflows at once, a Decimal at its
    context's exponent limit)."""
    if _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
        _check_int(base.bit_length() * exponent)


@pass_eval_context
def _bounded_concat(eval_ctx: EvalContext, items: Sequence[Any]) -> str:
    """``a ~ b ~ c``, refused before it is made when the result would be too long."""
    texts = [item if isinstance(item, str) else str(item) for item in items]
    _check_size(sum(len(text) for text in texts), "the joined text")
    return markup_join(texts) if eval_ctx.autoescape else str_join(texts)


def _counted(items: Iterable[Any]) -> Iterator[Any]:
    """A loop's items, each counted against the message's loop limit."""
    budget = _BUDGET.get()
    for item in items:
        if budget is not None:
            budget.loop_item()
        yield item


@pass_eval_context
def _bounded_join(
    eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: Any = None
) -> str:
    items = list(value)
    limit = _max_chars()
    gaps = len(str(d)) * max(len(items) - 1, 0)
    _check_size(_weight(items, limit) + gaps, "the joined text")
    return sync_do_join(eval_ctx, items, d, attribute)


def _sized(value: Any) -> Any:
    """A list, tuple or dict written in the template, refused when it stands for more text
    than a message may hold (``[a, a, a]`` with ``a`` already large)."""
    _check_size(_weight(value, _max_chars()), "the list")
    return value


@pass_eval_context
def _bounded_replace(
    eval_ctx: EvalContext, s: str, old: str, new: str, count: int | None = None
) -> str:
    text, old_text, new_text = str(s), str(old), str(new)
    found = text.count(old_text) if old_text else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    _check_size(len(text) + found * (len(new_text) - len(old_text)), "the replaced text")
    return do_replace(eval_ctx, s, old, new, count)


def _bounded_int(value: Any, default: int = 0, base: int = 10) -> int:
    """Jinja's ``int``, refusing a Decimal too large to turn into a number quickly."""
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() > MAX_INT_BITS // 3:
        raise SandboxError(f"the number {value} is too large for a message")
    return do_int(value, default, base)


@pass_environment
def _numbers_sum(
    environment: Environment, iterable: Iterable[Any], attribute: Any = None, start: Any = 0
) -> Any:
    """``sum`` of numbers only (adding lists or texts grows them quadratically)."""
    values = list(iterable)
    if attribute is not None:
        values = list(map(make_attrgetter(environment, attribute), values))
    if not all(isinstance(v, int | float | Decimal) for v in [start, *values]):
        raise SandboxError("sum() adds numbers only")
    return sum(values, start)


# -- the template's tree -------------------------------------------------------------------


def _refuse_other_templates(tree: nodes.Template) -> None:
    for kind, tag in (
        (nodes.Include, "include"),
        (nodes.Import, "import"),
        (nodes.FromImport, "from … import"),
        (nodes.Extends, "extends"),
    ):
        for node in tree.find_all(kind):
            raise SandboxError(
                f"line {node.lineno}: {{% {tag} %}} is not available; "
                "a message is one self-contained template"
            )


def _count_loops_and_joins(tree: nodes.Template) -> None:
    """Rewrite every loop to count its items, and every ``~`` and every list, tuple or dict
    written in the template to check its size."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.lineno)
    for parent in list(tree.find_all(nodes.Node)):
        for field in parent.fields:
            value = getattr(parent, field, None)
            if isinstance(value, nodes.Node):
                setattr(parent, field, _checked(value))
            elif isinstance(value, list):
                value[:] = [
                    _checked(item) if isinstance(item, nodes.Node) else item for item in value
                ]


def _checked(node: nodes.Node) -> nodes.Node:
    if isinstance(node, nodes.Concat):
        items = nodes.List(node.nodes, lineno=node.lineno)
        return nodes.Filter(items, _CONCAT_FILTER, [], [], None, None, lineno=node.lineno)
    built = isinstance(node, nodes.List | nodes.Dict) or (
        isinstance(node, nodes.Tuple) and node.ctx == "load"
    )
    if built:
        return nodes.Filter(node, _SIZED_FILTER, [], [], None, None, lineno=node.lineno)
    return node


# -- what went wrong -----------------------------------------------------------------------


def _undefined_name(error: UndefinedError) -> str | None:
    match = _UNDEFINED.match(str(error))
    return match.group(1) if match else None


def _template_line(error: BaseException) -> int | None:
    """The template line the error happened on (Jinja rewrites tracebacks to point there)."""
    tb: TracebackType | None = error.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _TEMPLATE_FILE:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _where(error: BaseException) -> str:
    line = _template_line(error)
    return f"line {line}: " if line else ""


def _describe(error: Exception) -> str:
    text = str(error).strip()
    kind = type(error).__name__
    if isinstance(error, ZeroDivisionError):
        return "division by zero"
    if isinstance(error, JinjaTemplateError):
        return text
    if "Exceeds the limit" in text and "integer string conversion" in text:
        return "a number too large to print"
    return f"{text} ({kind})" if text else kind
