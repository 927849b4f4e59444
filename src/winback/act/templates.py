"""The template and script library (话术, R9): versioned, in Chinese and English, rendered
in a sandbox and checked against the channel's rules.

A template is identified by its name and language and has numbered versions; a new wording
is a new version, so a measured result (M1 counts per template) keeps pointing at the words
that earned it. Rendering uses Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment` (a
shop's template cannot reach Python internals) with :class:`~jinja2.StrictUndefined`: a
missing variable is a :class:`TemplateError` naming the template and the variable, never an
empty gap in a message to a buyer. The HTML part of an e-mail is autoescaped.

Templates live in TOML files (``default_templates.toml`` ships with winback)::

    [[template]]
    name = "unpaid_new_buyer"
    language = "zh"
    version = 1
    channel = "sms"
    purpose = "transactional"
    body = "【{{ shop }}】您的订单{{ order_id }}还未付款，{{ pay_before }}前付款今天发货。"
    sample = { shop = "俏艺旗舰店", order_id = "3012", pay_before = "16:00" }

:meth:`TemplateLibrary.validate` renders every template with its ``sample`` and checks
:func:`winback.act.template_rules.rule_violations`; :meth:`TemplateLibrary.render` checks
the same rules on the real values.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, UndefinedError
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.sandbox import SandboxedEnvironment

from winback.act.template_rules import Language, RenderedParts, RuleContext, rule_violations
from winback.errors import WinbackError
from winback.model import ActionChannel, Purpose

__all__ = [
    "RenderedMessage",
    "Template",
    "TemplateError",
    "TemplateLibrary",
    "TemplateRuleError",
    "parse_templates",
]

DEFAULT_TEMPLATES = "default_templates.toml"
_UNDEFINED = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


class TemplateError(WinbackError):
    """A template could not be loaded or rendered."""


class TemplateRuleError(TemplateError):
    """A rendered message breaks a rule of its channel (length, signature, opt-out text …)."""


@dataclass(frozen=True)
class Template:
    name: str
    language: Language
    version: int
    channel: ActionChannel
    purpose: Purpose
    body: str
    subject: str | None = None
    html: str | None = None
    description: str = ""
    sample: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``unpaid_new_buyer v2 (zh)``: how errors and reports name this template."""
        return f"{self.name} v{self.version} ({self.language})"


@dataclass(frozen=True)
class RenderedMessage:
    template: Template
    subject: str | None
    body: str
    html: str | None


class TemplateLibrary:
    """All templates a shop can use; the latest version of a name and language wins unless
    a version is asked for."""

    def __init__(self, templates: Iterable[Template], *, max_sms_parts: int = 3) -> None:
        self._by_key: dict[tuple[str, str], dict[int, Template]] = {}
        for template in templates:
            versions = self._by_key.setdefault((template.name, template.language), {})
            if template.version in versions:
                raise TemplateError(f"template {template.label} is defined twice")
            versions[template.version] = template
        self.max_sms_parts = max_sms_parts
        self._text = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        self._html = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)

    @classmethod
    def defaults(cls, *, max_sms_parts: int = 3) -> TemplateLibrary:
        """The templates that ship with winback (zh and en)."""
        text = resources.files("winback.act").joinpath(DEFAULT_TEMPLATES).read_text("utf-8")
        return cls(parse_templates(text, DEFAULT_TEMPLATES), max_sms_parts=max_sms_parts)

    def with_file(self, path: Path) -> TemplateLibrary:
        """This library plus the templates in ``path`` (a shop's own wordings and versions)."""
        text = path.read_text(encoding="utf-8")
        return TemplateLibrary(
            [*self.templates(), *parse_templates(text, str(path))],
            max_sms_parts=self.max_sms_parts,
        )

    def templates(self) -> list[Template]:
        return [t for versions in self._by_key.values() for t in versions.values()]

    def get(self, name: str, language: str, version: int | None = None) -> Template:
        versions = self._by_key.get((name, language))
        if not versions:
            raise TemplateError(f"no template {name!r} in language {language!r}")
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise TemplateError(f"template {name!r} ({language}) has no version {version}")
        return versions[version]

    def render(
        self,
        name: str,
        language: str,
        variables: Mapping[str, Any],
        *,
        version: int | None = None,
    ) -> RenderedMessage:
        """Render and check the rules; raises :class:`TemplateError` or
        :class:`TemplateRuleError` naming the template."""
        template = self.get(name, language, version)
        return self._render_checked(template, variables)

    def validate(self) -> dict[str, list[str]]:
        """Every template's problems when rendered with its sample (empty dict: all fine)."""
        problems: dict[str, list[str]] = {}
        for template in self.templates():
            try:
                self._render_checked(template, template.sample)
            except TemplateError as error:
                problems[template.label] = [str(error)]
        return problems

    def _render_checked(self, template: Template, variables: Mapping[str, Any]) -> RenderedMessage:
        parts = RenderedParts(
            subject=self._fill(self._text, template, template.subject, variables),
            body=self._fill(self._text, template, template.body, variables) or "",
            html=self._fill(self._html, template, template.html, variables),
        )
        context = RuleContext(
            channel=template.channel,
            purpose=template.purpose,
            language=template.language,
            max_sms_parts=self.max_sms_parts,
            unsubscribe_url=_text_or_none(variables.get("unsubscribe_url")),
            postal_address=_text_or_none(variables.get("postal_address")),
        )
        violations = rule_violations(parts, context)
        if violations:
            raise TemplateRuleError(f"template {template.label}: {'; '.join(violations)}")
        return RenderedMessage(template, parts.subject, parts.body.strip(), parts.html)

    def _fill(
        self,
        environment: SandboxedEnvironment,
        template: Template,
        source: str | None,
        variables: Mapping[str, Any],
    ) -> str | None:
        if source is None:
            return None
        try:
            return environment.from_string(source).render(dict(variables))
        except UndefinedError as error:
            match = _UNDEFINED.search(str(error))
            missing = next((g for g in match.groups() if g), "?") if match else str(error)
            raise TemplateError(
                f"template {template.label}: variable {missing!r} is not defined"
            ) from None
        except JinjaTemplateError as error:
            raise TemplateError(f"template {template.label}: {error}") from None


def parse_templates(text: str, source: str) -> list[Template]:
    """The ``[[template]]`` entries of a TOML document; errors name ``source`` and the entry."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{source}: not valid TOML: {error}") from None
    entries = document.get("template", [])
    if not isinstance(entries, list):
        raise TemplateError(f"{source}: templates are written as [[template]] tables")
    templates = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise TemplateError(f"{source}: template #{index} is not a table")
        try:
            templates.append(_template(entry))
        except (KeyError, ValueError, TypeError) as error:
            raise TemplateError(
                f"{source}: template {entry.get('name', f'#{index}')}: {error}"
            ) from None
    return templates


def _template(entry: Mapping[str, Any]) -> Template:
    known = {f for f in Template.__dataclass_fields__}
    unknown = set(entry) - known
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    language = entry["language"]
    if language not in ("zh", "en"):
        raise ValueError(f"language must be 'zh' or 'en', not {language!r}")
    return Template(
        name=str(entry["name"]),
        language=language,
        version=int(entry.get("version", 1)),
        channel=ActionChannel(entry["channel"]),
        purpose=Purpose(entry["purpose"]),
        body=str(entry["body"]),
        subject=_text_or_none(entry.get("subject")),
        html=_text_or_none(entry.get("html")),
        description=str(entry.get("description", "")),
        sample=dict(entry.get("sample", {})),
    )


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)
