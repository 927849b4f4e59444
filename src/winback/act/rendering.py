"""The dispatcher's renderer for real messages: an action → its template → a
:class:`~winback.act.channels.base.Message` (R9, A5).

:class:`TemplateRenderer` implements :class:`winback.act.dispatcher.Renderer`. For each action
it finds the store the action belongs to (``voice_of(action.store_id)``: name, platform,
language, currency, time zone; :class:`~winback.act.voice.StoreVoice`), picks the template
named by ``action.template`` in the store's language for its platform (the platform, then
its family, then any store), and renders it through
:func:`winback.act.compose.compose_message` with the values of
:func:`winback.act.template_variables.message_variables`: the store's name, the orders,
money in the order's currency (``order_currency``) written for the store's locale, the
action's own parameters, the pay page and postal address when the store has them, and for
marketing a signed one-click unsubscribe link::

    unsubscribe_url  {channels.public_url}/u/{signed token}

The unsubscribe token (:class:`~winback.act.links.LinkSigner`, purpose ``unsubscribe``) names
the store, the customer and the channel, never an address: a link in an inbox must not carry
the buyer's e-mail or phone. It is valid for :data:`UNSUBSCRIBE_VALID_FOR`.

Every failure is a :class:`~winback.act.templates.TemplateError` with the reason: a missing
template or variable, a broken channel rule (SMS too long, no signature, a marketing word in
a reminder), a template for another channel, marketing without a link secret, orders in
different currencies. The dispatcher fails that action for good and goes on. Agent tasks are
the exception: a task whose script cannot be rendered still reaches the worklist, with the
plain facts of the action.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Final

from winback.act.channels.base import Message
from winback.act.compose import compose_message
from winback.act.dispatcher import PlainRenderer
from winback.act.links import LinkPurpose, LinkSigner
from winback.act.money import MoneyError
from winback.act.template_variables import message_variables
from winback.act.templates import TemplateError, TemplateLibrary
from winback.act.voice import StoreVoice
from winback.clock import Clock
from winback.config import Settings
from winback.model import Action, ActionChannel, Purpose

__all__ = [
    "SURVEY_VALID_FOR",
    "UNSUBSCRIBE_VALID_FOR",
    "CurrencyLookup",
    "TemplateRenderer",
    "preferences_subject",
    "render_script",
    "survey_subject",
    "unsubscribe_subject",
]

UNSUBSCRIBE_VALID_FOR: Final = timedelta(days=180)
SURVEY_VALID_FOR: Final = timedelta(days=14)
_VARIABLE: Final = re.compile(r"\{\{\s*([A-Za-z_]\w*)")

CurrencyLookup = Callable[[Action], str | None]
"""The currency of an action's orders (None: not known, use the store's); raises
:class:`~winback.act.templates.TemplateError` when its orders are in different currencies."""


def unsubscribe_subject(store_id: int, customer_id: int | None, channel: ActionChannel) -> str:
    """What an unsubscribe token is about: ``store:customer:channel`` (ids only)."""
    return f"{store_id}:{customer_id if customer_id is not None else '-'}:{channel}"


def survey_subject(store_id: int, action_id: int) -> str:
    """What an NPS survey token is about: ``store:action`` (the action names the order)."""
    return f"{store_id}:{action_id}"


def preferences_subject(store_id: int, customer_id: int) -> str:
    """What a preference-centre token is about: ``store:customer`` (ids only)."""
    return f"{store_id}:{customer_id}"


class TemplateRenderer:
    """Renders actions from ``library``, each in the voice of its own store.

    ``signer`` and ``public_url`` make the unsubscribe links of marketing messages; when
    either is missing, ``link_problem`` says which setting is, and a marketing action fails
    with that reason. ``template_code`` maps a template name to the SMS provider's approved
    template (Aliyun, Tencent Cloud), whose parameters are the template's variables in the
    order they first appear in its body.
    """

    def __init__(
        self,
        library: TemplateLibrary,
        *,
        voice_of: Callable[[int], StoreVoice],
        clock: Clock,
        signer: LinkSigner | None = None,
        public_url: str | None = None,
        link_problem: str | None = None,
        template_code: Callable[[str], str | None] = lambda name: None,
        order_currency: CurrencyLookup = lambda action: None,
    ) -> None:
        self.library = library
        self.voice_of = voice_of
        self.clock = clock
        self.signer = signer
        self.public_url = public_url.rstrip("/") if public_url else None
        self.link_problem = link_problem or _link_problem(signer, self.public_url)
        self.template_code = template_code
        self.order_currency = order_currency
        self._plain = PlainRenderer()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        signer: LinkSigner | None,
        library: TemplateLibrary | None = None,
        voice_of: Callable[[int], StoreVoice] | None = None,
        link_problem: str | None = None,
        template_code: Callable[[str], str | None] = lambda name: None,
        order_currency: CurrencyLookup = lambda action: None,
    ) -> TemplateRenderer:
        """A renderer with the shipped templates (or ``library``); every action speaks in the
        voice of the store in ``settings`` unless ``voice_of`` says otherwise."""
        voice = StoreVoice.from_settings(settings.store)
        return cls(
            library or TemplateLibrary.defaults(max_sms_parts=settings.channels.sms.max_parts),
            voice_of=voice_of or (lambda store_id: voice),
            clock=clock,
            signer=signer,
            public_url=settings.channels.public_url,
            link_problem=link_problem,
            template_code=template_code,
            order_currency=order_currency,
        )

    def render(self, action: Action, to: str) -> Message:
        if action.channel.is_task:
            try:
                return self._render(action, to)
            except TemplateError:
                return self._plain.render(action, to)
        return self._render(action, to)

    def unsubscribe_url(self, action: Action) -> str:
        """A signed one-click unsubscribe link for the recipient of ``action``."""
        if self.signer is None or self.public_url is None:
            raise TemplateError(
                f"{self.link_problem}: marketing messages carry a signed one-click unsubscribe link"
            )
        token = self.signer.issue(
            LinkPurpose.UNSUBSCRIBE,
            unsubscribe_subject(action.store_id, action.customer_id, action.channel),
            now=self.clock.now(),
            valid_for=UNSUBSCRIBE_VALID_FOR,
        )
        return f"{self.public_url}/u/{token}"

    def _render(self, action: Action, to: str) -> Message:
        voice = self.voice_of(action.store_id)
        template = self.library.get(action.template, voice.language, platform=voice.platform)
        if template.channel is not action.channel:
            raise TemplateError(
                f"template {template.label} is for {template.channel}, "
                f"the action goes by {action.channel}"
            )
        variables = self._variables(action, voice)
        code = self.template_code(action.template) if action.channel is ActionChannel.SMS else None
        provider_params = _body_variables(template.body) if code else ()
        return compose_message(
            self.library,
            action.template,
            voice.language,
            variables,
            to=to,
            key=action.key,
            platform=voice.platform,
            template_code=code,
            provider_params=[name for name in provider_params if name in variables],
        )

    def _variables(self, action: Action, voice: StoreVoice) -> dict[str, str]:
        # Marketing e-mail must carry the link (List-Unsubscribe, RFC 8058); a marketing SMS
        # opts out by reply (拒收请回复R) and gets a link only when the shop can sign one.
        wants_link = action.channel is ActionChannel.EMAIL or (
            action.channel is ActionChannel.SMS and self.link_problem is None
        )
        link = None
        if action.purpose is Purpose.MARKETING and wants_link:
            link = self.unsubscribe_url(action)
        try:
            values = message_variables(
                action, voice, currency=self.order_currency(action), unsubscribe_url=link
            )
        except MoneyError as error:
            raise TemplateError(f"action {action.id}: {error}") from None
        form = self.reason_url(action)
        if form:
            values["reason_url"] = form
        return values | self._after_sale_links(action, link is not None)

    def reason_url(self, action: Action) -> str | None:
        """A signed, single-use link to the reason form of a cancelled-order save
        (``reason_form_subject`` and ``reason_form_valid_for`` seconds in its parameters);
        None when the action has none or the shop cannot sign links (the template then asks
        for a reply)."""
        subject = action.params.get("reason_form_subject")
        seconds = action.params.get("reason_form_valid_for")
        if not subject or not seconds or self.signer is None or self.public_url is None:
            return None
        token = self.signer.issue(
            LinkPurpose.REASON_FORM,
            subject,
            now=self.clock.now(),
            valid_for=timedelta(seconds=int(seconds)),
        )
        return f"{self.public_url}/r/{token}"

    def _after_sale_links(self, action: Action, marketing_link: bool) -> dict[str, str]:
        """The NPS survey link of a survey (single use, expiring; R8, A5) and, beside a
        marketing message's unsubscribe link, the buyer's preference-centre link."""
        found: dict[str, str] = {}
        signed = self.signer is not None and self.public_url is not None
        if action.params.get("survey") == "nps":
            if not signed:
                if action.channel.is_task:
                    return found  # the agent's script reads without the link
                raise TemplateError(f"{self.link_problem}: an NPS survey carries a signed link")
            found["survey_url"] = self._link(
                LinkPurpose.NPS,
                survey_subject(action.store_id, action.id),
                _seconds(action.params.get("survey_valid_for"), SURVEY_VALID_FOR),
                "s",
            )
        if marketing_link and action.customer_id is not None and signed:
            found["preferences_url"] = self._link(
                LinkPurpose.PREFERENCES,
                preferences_subject(action.store_id, action.customer_id),
                UNSUBSCRIBE_VALID_FOR,
                "p",
            )
        return found

    def _link(self, purpose: LinkPurpose, subject: str, valid_for: timedelta, path: str) -> str:
        assert self.signer is not None and self.public_url is not None
        token = self.signer.issue(purpose, subject, now=self.clock.now(), valid_for=valid_for)
        return f"{self.public_url}/{path}/{token}"


def render_script(library: TemplateLibrary, action: Action, voice: StoreVoice) -> str:
    """The agent's script for a phone or chat task, in the store's voice (the worklist's
    card); raises :class:`~winback.act.templates.TemplateError` when it cannot be rendered."""
    try:
        variables = message_variables(action, voice)
    except MoneyError as error:
        raise TemplateError(f"action {action.id}: {error}") from None
    rendered = library.render(action.template, voice.language, variables, platform=voice.platform)
    return rendered.body


def _seconds(value: str | None, default: timedelta) -> timedelta:
    """A link's validity from an action parameter (whole seconds), else ``default``."""
    if value and value.isdigit() and int(value) > 0:
        return timedelta(seconds=int(value))
    return default


def _link_problem(signer: LinkSigner | None, public_url: str | None) -> str | None:
    if signer is None:
        return "channels.link_secret_env is not set"
    if public_url is None:
        return "channels.public_url is not set"
    return None


def _body_variables(body: str) -> list[str]:
    """The variables of a template body in the order they first appear, without ``shop``
    (the provider adds the approved signature itself)."""
    seen: list[str] = []
    for name in _VARIABLE.findall(body):
        if name not in seen and name != "shop":
            seen.append(name)
    return seen
