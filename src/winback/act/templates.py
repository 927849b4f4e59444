"""The template and script library (话术, R9): versioned, in Chinese and English, per
platform, rendered in a sandbox and checked against the channel's rules.

A template is identified by its name, language and audience and has numbered versions; a
new wording is a new version, so a measured result (M1 counts per template) keeps pointing
at the words that earned it. The audience (``platform``) is optional: one platform
(``"taobao"``), one family (``"marketplace"``, ``"own_site"``; :mod:`winback.act.voice`) or,
when left out, any store. :meth:`TemplateLibrary.get` takes the newest version among the
templates written for the store's platform, for its family and for any store; between equal
versions the most specific wins (so a shop's own version 2 replaces a shipped version 1
whatever its audience). It never falls back to another language.

Rendering runs in :class:`winback.act.sandbox.MessageEnvironment` (Jinja2's immutable
sandbox with limits on size, time and loops): whatever a template does, the only errors
that come out are :class:`TemplateError` and :class:`TemplateRuleError`, naming the
template. A missing variable may be tested or given a default but never printed, so a
message to a buyer never has a gap. The HTML part of an e-mail is autoescaped.

Templates live in TOML files (``default_templates.toml`` and ``followup_scripts.toml`` ship
with winback; a shop adds its own with ``[templates] files``)::

    [[template]]
    name = "unpaid_new_buyer"
    language = "zh"
    platform = "marketplace"
    version = 1
    channel = "sms"
    purpose = "transactional"
    body = "【{{ shop }}】您拍下的订单{{ order_id }}还未付款…"
    sample = { shop = "俏艺旗舰店", order_id = "3012" }

:meth:`TemplateLibrary.validate` renders every template with its ``sample`` and checks
:func:`winback.act.template_rules.rule_violations`; :meth:`TemplateLibrary.render` checks
the same rules on the real values. :func:`winback.act.template_check.validate_templates`
goes further: every template against every variable its playbooks may pass, or not pass.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from winback.act.sandbox import (
    MessageEnvironment,
    RenderLimits,
    SandboxError,
    UndefinedVariable,
    render,
)
from winback.act.template_rules import Language, RenderedParts, RuleContext, rule_violations
from winback.act.voice import AUDIENCES, family_of
from winback.errors import WinbackError
from winback.model import ActionChannel, Purpose

__all__ = [
    "SHIPPED_FILES",
    "MissingVariableError",
    "RenderedMessage",
    "Template",
    "TemplateError",
    "TemplateLibrary",
    "TemplateRuleError",
    "parse_templates",
]

SHIPPED_FILES: Final = (
    "default_templates.toml",
    "followup_scripts.toml",
    "save_templates.toml",
    "after_sale_templates.toml",
)
"""The template files that ship with winback (in ``winback/act``)."""


class TemplateError(WinbackError):
    """A template could not be loaded or rendered."""


class MissingVariableError(TemplateError):
    """A template printed a variable the action does not have."""

    def __init__(self, message: str, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


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
    platform: str | None = None
    description: str = field(default="", compare=False)
    sample: Mapping[str, Any] = field(default_factory=dict, compare=False)
    source: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        """``unpaid_new_buyer v2 (zh)`` / ``… (zh, own_site)``: how errors and reports name
        this template."""
        audience = f", {self.platform}" if self.platform else ""
        return f"{self.name} v{self.version} ({self.language}{audience})"


@dataclass(frozen=True)
class RenderedMessage:
    template: Template
    subject: str | None
    body: str
    html: str | None


_LIMITS = RenderLimits()
_TEXT = MessageEnvironment(autoescape=False, limits=_LIMITS)
_HTML = MessageEnvironment(autoescape=True, limits=_LIMITS)
"""Shared by every library: a template's compiled code is cached by its source."""

_Key = tuple[str, str, str | None]


class TemplateLibrary:
    """All templates a shop can use; the newest version for the store's audience wins
    unless a version is asked for (:meth:`get`)."""

    def __init__(self, templates: Iterable[Template], *, max_sms_parts: int = 3) -> None:
        self._by_key: dict[_Key, dict[int, Template]] = {}
        for template in templates:
            key = (template.name, template.language, template.platform)
            versions = self._by_key.setdefault(key, {})
            if template.version in versions:
                raise TemplateError(f"template {template.label} is defined twice")
            versions[template.version] = template
        self.max_sms_parts = max_sms_parts

    @classmethod
    def defaults(cls, *, max_sms_parts: int = 3) -> TemplateLibrary:
        """The templates and agent scripts that ship with winback (zh and en)."""
        templates: list[Template] = []
        for name in SHIPPED_FILES:
            text = resources.files("winback.act").joinpath(name).read_text("utf-8")
            templates += parse_templates(text, name)
        return cls(templates, max_sms_parts=max_sms_parts)

    def with_file(self, path: Path) -> TemplateLibrary:
        """This library plus the templates in ``path`` (a shop's own wordings and versions)."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise TemplateError(f"{path}: cannot read the template file ({reason})") from None
        except UnicodeDecodeError:
            raise TemplateError(f"{path}: the template file is not UTF-8 text") from None
        return TemplateLibrary(
            [*self.templates(), *parse_templates(text, str(path))],
            max_sms_parts=self.max_sms_parts,
        )

    def templates(self) -> list[Template]:
        return [t for versions in self._by_key.values() for t in versions.values()]

    def get(
        self, name: str, language: str, version: int | None = None, *, platform: str | None = None
    ) -> Template:
        """The template for a store on ``platform``: the newest version among those written
        for that platform, for its family and for any store; between equal versions, the
        most specific. ``version`` pins one."""
        found: Template | None = None
        for audience in _audiences(platform):  # the most specific first
            for template in self._by_key.get((name, language, audience), {}).values():
                if version is not None and template.version != version:
                    continue
                if found is None or template.version > found.version:
                    found = template
        if found is not None:
            return found
        where = f" for {platform}" if platform else ""
        if version is not None and self._known(name, language, platform):
            raise TemplateError(f"template {name!r} ({language}) has no version {version}")
        raise TemplateError(f"no template {name!r} in language {language!r}{where}")

    def _known(self, name: str, language: str, platform: str | None) -> bool:
        return any((name, language, audience) in self._by_key for audience in _audiences(platform))

    def render(
        self,
        name: str,
        language: str,
        variables: Mapping[str, Any],
        *,
        version: int | None = None,
        platform: str | None = None,
    ) -> RenderedMessage:
        """Render and check the rules; raises :class:`TemplateError` (a
        :class:`MissingVariableError` for a variable the values lack) or
        :class:`TemplateRuleError`, naming the template."""
        template = self.get(name, language, version, platform=platform)
        return self.render_template(template, variables)

    def validate(self) -> dict[str, list[str]]:
        """Every template's problems when rendered with its sample (empty dict: all fine)."""
        problems: dict[str, list[str]] = {}
        for template in self.templates():
            try:
                self.render_template(template, template.sample)
            except TemplateError as error:
                problems[template.label] = [str(error)]
        return problems

    def render_template(self, template: Template, variables: Mapping[str, Any]) -> RenderedMessage:
        """``template`` rendered with ``variables`` and checked against its channel's rules."""
        parts = RenderedParts(
            subject=_fill(_TEXT, template, template.subject, variables),
            body=_fill(_TEXT, template, template.body, variables) or "",
            html=_fill(_HTML, template, template.html, variables),
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
        subject = parts.subject.strip() if parts.subject is not None else None
        return RenderedMessage(template, subject, parts.body.strip(), parts.html)


def _audiences(platform: str | None) -> list[str | None]:
    """Where to look for a store on ``platform``: the platform, its family, any store."""
    if platform is None:
        return [None]
    family = family_of(platform)
    return [platform, *([str(family)] if family else []), None]


def _fill(
    environment: MessageEnvironment,
    template: Template,
    source: str | None,
    variables: Mapping[str, Any],
) -> str | None:
    if source is None:
        return None
    try:
        return render(environment, source, variables)
    except UndefinedVariable as error:
        message = f"template {template.label}: {error}"
        if error.name is None:
            raise TemplateError(message) from None
        raise MissingVariableError(message, error.name) from None
    except SandboxError as error:
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
            templates.append(_template(entry, source))
        except (KeyError, ValueError, TypeError) as error:
            raise TemplateError(
                f"{source}: template {entry.get('name', f'#{index}')}: {error}"
            ) from None
    return templates


def _template(entry: Mapping[str, Any], source: str) -> Template:
    known = {f for f in Template.__dataclass_fields__} - {"source"}
    unknown = set(entry) - known
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    language = entry["language"]
    if language not in ("zh", "en"):
        raise ValueError(f"language must be 'zh' or 'en', not {language!r}")
    platform = entry.get("platform")
    if platform is not None and platform not in AUDIENCES:
        raise ValueError(
            f"platform must be one of {', '.join(sorted(AUDIENCES))}, not {platform!r}"
        )
    sample = entry.get("sample", {})
    if not isinstance(sample, dict):
        raise ValueError("sample must be a table of example values")
    return Template(
        name=str(entry["name"]),
        language=language,
        version=int(entry.get("version", 1)),
        channel=ActionChannel(entry["channel"]),
        purpose=Purpose(entry["purpose"]),
        body=str(entry["body"]),
        subject=_text_or_none(entry.get("subject")),
        html=_text_or_none(entry.get("html")),
        platform=platform,
        description=str(entry.get("description", "")),
        sample=dict(sample),
        source=source,
    )


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)
