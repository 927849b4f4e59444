"""The dispatcher's renderer for real messages: an action → its template → a
:class:`~winback.act.channels.base.Message` (R9, A5).

:class:`TemplateRenderer` implements :class:`winback.act.dispatcher.Renderer`. For each action
it renders the template named by ``action.template`` from the template library, in the store's
language, through :func:`winback.act.compose.compose_message`, with these variables (the
action's own ``params`` win over the defaults)::

    shop            the store's name: the SMS signature 【店名】 and the e-mail sign-off
    order_id        the first order of the action; order_ids / order_count for merged ones
    amount          the action's amount
    postal_address  store.postal_address (required in marketing e-mail)
    unsubscribe_url marketing e-mail (and marketing SMS when links can be signed):
                    {channels.public_url}/u/{signed token}

The unsubscribe token (:class:`~winback.act.links.LinkSigner`, purpose ``unsubscribe``) names
the store, the customer and the channel, never an address: a link in an inbox must not carry
the buyer's e-mail or phone. It is valid for :data:`UNSUBSCRIBE_VALID_FOR`.

Every failure is a :class:`~winback.act.templates.TemplateError` with the reason: a missing
template or variable, a broken channel rule (SMS too long, no signature, a marketing word in
a reminder), a template for another channel, marketing without a link secret. The dispatcher
fails that action for good and goes on. Agent tasks are the exception: a task whose script
cannot be rendered still reaches the worklist, with the plain facts of the action.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Final
from urllib.parse import quote

from winback.act.channels.base import Message
from winback.act.compose import compose_message
from winback.act.dispatcher import PlainRenderer
from winback.act.links import LinkPurpose, LinkSigner
from winback.act.templates import TemplateError, TemplateLibrary
from winback.clock import Clock
from winback.config import Settings
from winback.model import Action, ActionChannel, Purpose

__all__ = ["UNSUBSCRIBE_VALID_FOR", "TemplateRenderer", "unsubscribe_subject"]

UNSUBSCRIBE_VALID_FOR: Final = timedelta(days=180)
_VARIABLE: Final = re.compile(r"\{\{\s*([A-Za-z_]\w*)")


def unsubscribe_subject(store_id: int, customer_id: int | None, channel: ActionChannel) -> str:
    """What an unsubscribe token is about: ``store:customer:channel`` (ids only)."""
    return f"{store_id}:{customer_id if customer_id is not None else '-'}:{channel}"


class TemplateRenderer:
    """Renders actions from ``library`` for one store.

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
        store_name: str,
        language: str,
        clock: Clock,
        signer: LinkSigner | None = None,
        public_url: str | None = None,
        postal_address: str | None = None,
        pay_url: str | None = None,
        link_problem: str | None = None,
        template_code: Callable[[str], str | None] = lambda name: None,
    ) -> None:
        self.library = library
        self.store_name = store_name
        self.language = language
        self.clock = clock
        self.signer = signer
        self.public_url = public_url.rstrip("/") if public_url else None
        self.postal_address = postal_address
        self.pay_url = pay_url
        self.link_problem = link_problem or _link_problem(signer, self.public_url)
        self.template_code = template_code
        self._plain = PlainRenderer()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        signer: LinkSigner | None,
        link_problem: str | None = None,
        template_code: Callable[[str], str | None] = lambda name: None,
    ) -> TemplateRenderer:
        """The renderer of the store in ``settings``, with the shipped templates."""
        library = TemplateLibrary.defaults(max_sms_parts=settings.channels.sms.max_parts)
        return cls(
            library,
            store_name=settings.store.name,
            language=settings.store.language,
            clock=clock,
            signer=signer,
            public_url=settings.channels.public_url,
            postal_address=settings.store.postal_address,
            pay_url=settings.store.pay_url,
            link_problem=link_problem,
            template_code=template_code,
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
        template = self.library.get(action.template, self.language)
        if template.channel is not action.channel:
            raise TemplateError(
                f"template {template.label} is for {template.channel}, "
                f"the action goes by {action.channel}"
            )
        variables = self._variables(action)
        code = self.template_code(action.template) if action.channel is ActionChannel.SMS else None
        provider_params = _body_variables(template.body) if code else ()
        return compose_message(
            self.library,
            action.template,
            self.language,
            variables,
            to=to,
            key=action.key,
            template_code=code,
            provider_params=[name for name in provider_params if name in variables],
        )

    def _variables(self, action: Action) -> dict[str, str]:
        separator = "、" if self.language == "zh" else ", "
        variables = {"shop": self.store_name, "amount": str(action.amount)}
        if action.order_ids:
            variables |= {
                "order_id": action.order_ids[0],
                "order_ids": separator.join(action.order_ids),
                "order_count": str(len(action.order_ids)),
            }
            if self.pay_url:
                variables["pay_url"] = self.pay_url.replace(
                    "{order_id}", quote(action.order_ids[0], safe="")
                )
        if self.postal_address:
            variables["postal_address"] = self.postal_address
        variables |= dict(action.params)
        # Marketing e-mail must carry the link (List-Unsubscribe, RFC 8058); a marketing SMS
        # opts out by reply (拒收请回复R) and gets a link only when the shop can sign one.
        wants_link = action.channel is ActionChannel.EMAIL or (
            action.channel is ActionChannel.SMS and self.link_problem is None
        )
        if action.purpose is Purpose.MARKETING and wants_link:
            variables["unsubscribe_url"] = self.unsubscribe_url(action)
        return variables


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
