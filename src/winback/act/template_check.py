"""Templates are checked when the settings load, not when 10 000 buyers get them (R9).

:func:`validate_templates` loads the shipped templates and the shop's own
(``[templates] files``) and, for every configured store and every enabled playbook, finds
the template each step sends on each channel its rules can choose, for new, returning and
merged buyers, in the store's language and for its platform. Each is rendered in the sandbox:

1. with every variable its playbook passes (example values, money in the store's currency
   as the renderer writes it, the store's own pay page and postal address when it has
   them): a syntax error, a runtime error (``{{ 1 // 0 }}``), a broken limit or a broken
   channel rule (SMS length, signature, opt-out text, advertising in a reminder) is a
   problem;
2. once more without each variable that can be missing (``item``, ``pay_before``,
   ``buyer_name``, ``reason_url`` …, :mod:`winback.act.template_variables`): printing one
   without a test or a default is a problem, since that message would go out with a gap.

Only the channels the settings deliver on are checked against playbooks (agent tasks always;
SMS, e-mail and the team robot once set up): an action on another channel is never rendered.
Every other template is rendered too, with every variable there is and a store of its
language and platform, so a typo in a template kept for later is found now. Each problem
names the file, the template (name, version, language, platform) and what is wrong.
:func:`check_templates` raises them together as one :class:`~winback.errors.SettingsError`;
:class:`winback.app.App` calls it on opening.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from winback.act.money import known_currency
from winback.act.template_variables import VARIABLES, Presence, example_variables
from winback.act.templates import (
    MissingVariableError,
    Template,
    TemplateError,
    TemplateLibrary,
)
from winback.act.voice import PlatformFamily, StoreVoice
from winback.config import Settings
from winback.errors import SettingsError
from winback.model import ActionChannel, Platform, Purpose
from winback.playbook_settings import PlaybookBase as Playbook
from winback.playbook_settings import Step

__all__ = ["TemplateProblem", "check_templates", "load_library", "validate_templates"]

_EXAMPLE_PLATFORM: dict[str | None, str] = {
    str(PlatformFamily.MARKETPLACE): str(Platform.TAOBAO),
    str(PlatformFamily.OWN_SITE): str(Platform.SHOPIFY),
}
_WHY_MISSING = {
    Presence.SOMETIMES: "some actions do not have it",
    Presence.NOT_YET: "no action passes it yet",
    Presence.MARKETING: "a marketing SMS has it only when links can be signed",
}


@dataclass(frozen=True)
class TemplateProblem:
    """One thing wrong with one template (or with the settings that pick templates)."""

    source: str
    problem: str

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}" if self.source else self.problem


def template_files(settings: Settings, cwd: Path) -> list[Path]:
    """The shop's template files, relative to the settings file's folder (or ``cwd``)."""
    base = Path(settings.source_file).parent if settings.source_file else cwd
    return [base / name for name in settings.templates.files]


def load_library(settings: Settings, *, cwd: Path) -> TemplateLibrary:
    """The shipped templates and scripts plus the shop's own files."""
    library = TemplateLibrary.defaults(max_sms_parts=settings.channels.sms.max_parts)
    for path in template_files(settings, cwd):
        library = library.with_file(path)
    return library


def validate_templates(settings: Settings, *, cwd: Path) -> list[TemplateProblem]:
    """Every problem of every template the settings can use (empty: all fine)."""
    try:
        library = load_library(settings, cwd=cwd)
    except TemplateError as error:
        return [TemplateProblem("", str(error))]
    problems: list[TemplateProblem] = []
    checked: set[Template] = set()
    for store, voice in _store_voices(settings):
        if not known_currency(voice.currency):
            problems.append(
                TemplateProblem(
                    "",
                    f"store {voice.name!r}: currency {voice.currency!r} is not an ISO 4217 "
                    "code (e.g. CNY, USD, EUR)",
                )
            )
            continue
        delivered = delivered_channels(store)
        links = bool(store.channels.link_secret_env and store.channels.public_url)
        for name, book in store.playbooks.items():
            if book.enabled:
                problems += _playbook_problems(
                    library, voice, name, book, checked, delivered, links
                )
    # The shipped templates no playbook uses are checked by winback's own tests (every one,
    # for every platform and currency): only the shop's own need it here, at every start.
    shipped = set(TemplateLibrary.defaults(max_sms_parts=library.max_sms_parts).templates())
    for template in library.templates():
        if template not in checked and template not in shipped:
            voice = _any_store(template)
            for text in _render_problems(library.max_sms_parts, template, voice, None, None):
                problems.append(TemplateProblem(template.source, text))
    return list(dict.fromkeys(problems))


def check_templates(settings: Settings, *, cwd: Path) -> None:
    """Raise :class:`~winback.errors.SettingsError` listing every template problem."""
    problems = validate_templates(settings, cwd=cwd)
    if problems:
        where = settings.source_file or "settings"
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise SettingsError(
            f"{where}: {len(problems)} template problem(s); fix the template or the "
            f"playbook that uses it:\n{lines}"
        )


def delivered_channels(settings: Settings) -> frozenset[ActionChannel]:
    """The channels the settings can deliver on: agent tasks always, the others once set up
    (an action on another channel stays planned and is never rendered)."""
    channels = settings.channels
    configured = {
        ActionChannel.SMS: channels.sms.provider is not None,
        ActionChannel.EMAIL: channels.email.host is not None,
        ActionChannel.IM_ROBOT: channels.im_robot.kind is not None,
    }
    return frozenset(c for c in ActionChannel if c.is_task or configured.get(c, False))


def _store_voices(settings: Settings) -> list[tuple[Settings, StoreVoice]]:
    """Every store the settings describe, with its own settings and voice."""
    stores = [settings.for_store(name) for name in settings.store_names]
    return [(store, StoreVoice.from_settings(store.store)) for store in stores]


def _any_store(template: Template) -> StoreVoice:
    """A store a template written for no playbook can be tried on: of its language and
    platform, with a postal address and a pay page."""
    chinese = template.language == "zh"
    return StoreVoice(
        name="俏艺旗舰店" if chinese else "Qiaoyi Store",
        platform=_EXAMPLE_PLATFORM.get(template.platform, template.platform or "generic"),
        language=template.language,
        currency="CNY" if chinese else "USD",
        timezone="Asia/Shanghai" if chinese else "America/New_York",
        postal_address=VARIABLES["postal_address"].example(template.language),
        pay_url="https://shop.example.com/pay/{order_id}",
    )


def _playbook_problems(
    library: TemplateLibrary,
    voice: StoreVoice,
    name: str,
    book: Playbook,
    checked: set[Template],
    delivered: frozenset[ActionChannel],
    links: bool,
) -> Iterator[TemplateProblem]:
    channels = [c for c in dict.fromkeys(r.channel for r in book.rules) if c in delivered]
    for number, step in enumerate(book.steps, start=1):
        for channel in channels:
            for template_name in _step_templates(step, channel):
                where = f"playbook {name!r} step {number} on {channel}"
                try:
                    template = library.get(template_name, voice.language, platform=voice.platform)
                except TemplateError:
                    yield TemplateProblem(
                        "",
                        f"{where}: no template {template_name!r} in {voice.language} for a "
                        f"{voice.platform} store ({voice.name!r})",
                    )
                    continue
                checked.add(template)
                yield from _fit_problems(template, where, channel, book.purpose)
                for text in _render_problems(
                    library.max_sms_parts, template, voice, book.kind, book.purpose, links
                ):
                    yield TemplateProblem(template.source, text)


def _step_templates(step: Step, channel: ActionChannel) -> list[str]:
    """The templates a step sends on ``channel``: to new, returning and merged buyers."""
    names = [step.template(channel, returning=r) for r in (False, True)]
    names.append(step.template(channel, returning=False, orders=2))
    return list(dict.fromkeys(names))


def _fit_problems(
    template: Template, where: str, channel: ActionChannel, purpose: Purpose
) -> Iterator[TemplateProblem]:
    if template.channel is not channel:
        yield TemplateProblem(
            template.source,
            f"{where}: template {template.label} is written for {template.channel}",
        )
    elif not channel.is_task and template.purpose is not purpose:
        yield TemplateProblem(
            template.source,
            f"{where}: template {template.label} is {template.purpose} but the playbook "
            f"sends {purpose} messages (their rules differ: opt-out text, unsubscribe link)",
        )


@lru_cache(maxsize=4096)
def _render_problems(
    max_sms_parts: int,
    template: Template,
    voice: StoreVoice,
    kind: str | None,
    purpose: Purpose | None,
    links: bool = False,
) -> tuple[str, ...]:
    """What goes wrong rendering ``template`` for ``voice`` with everything a ``kind``
    playbook passes, and with each variable that can be missing left out."""
    library = TemplateLibrary([template], max_sms_parts=max_sms_parts)
    values, optional = example_variables(
        voice,
        kind=kind,
        channel=template.channel,
        purpose=purpose or template.purpose,
        links=links,
    )
    try:
        library.render_template(template, values)
    except TemplateError as error:
        return (str(error),)
    problems: list[str] = []
    for name in optional:
        try:
            library.render_template(template, {k: v for k, v in values.items() if k != name})
        except MissingVariableError as error:
            if error.variable != name:
                problems.append(str(error))
                continue
            why = _WHY_MISSING.get(VARIABLES[name].presence, "it can be missing")
            test = f"{{% if {name} %}}…{{% endif %}} or {{{{ {name} | default('…') }}}}"
            problems.append(
                f"template {template.label} prints {name!r}, which can be missing ({why}); "
                f"write {test}"
            )
        except TemplateError as error:
            problems.append(f"without {name!r}: {error}")
    return tuple(problems)
