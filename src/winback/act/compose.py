"""From a template to a :class:`~winback.act.channels.base.Message` ready for a channel.

The dispatcher knows the action (template name, language, recipient, key) and the values;
:func:`compose_message` renders the template (which checks the channel rules), and fills the
parts a channel needs besides the text: the one-click unsubscribe headers for e-mail and, for
SMS providers that only send approved templates (Aliyun, Tencent Cloud), the provider's
template code and its parameters in the template's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from winback.act.channels.base import Message
from winback.act.channels.email import UNSUBSCRIBE_MAILTO, UNSUBSCRIBE_URL
from winback.act.templates import TemplateError, TemplateLibrary

__all__ = ["compose_message"]


def compose_message(
    library: TemplateLibrary,
    template: str,
    language: str,
    variables: Mapping[str, Any],
    *,
    to: str,
    key: str,
    version: int | None = None,
    platform: str | None = None,
    template_code: str | None = None,
    provider_params: Sequence[str] = (),
) -> Message:
    """Render ``template`` with ``variables`` into a message for ``to``.

    ``variables["unsubscribe_url"]`` / ``["unsubscribe_mailto"]``, when present, also become
    the ``List-Unsubscribe`` headers. ``provider_params`` names the variables an approved
    provider template takes, in its order (Tencent's ``{1}``, ``{2}`` …).
    """
    rendered = library.render(template, language, variables, version=version, platform=platform)
    missing = [name for name in provider_params if name not in variables]
    if missing:
        raise TemplateError(
            f"template {rendered.template.label}: provider parameter {missing[0]!r} has no value"
        )
    headers = {}
    if variables.get("unsubscribe_url"):
        headers[UNSUBSCRIBE_URL] = str(variables["unsubscribe_url"])
    if variables.get("unsubscribe_mailto"):
        headers[UNSUBSCRIBE_MAILTO] = str(variables["unsubscribe_mailto"])
    return Message(
        channel=rendered.template.channel,
        to=to,
        body=rendered.body,
        key=key,
        subject=rendered.subject,
        html=rendered.html,
        template_code=template_code,
        params={name: str(variables[name]) for name in provider_params},
        headers=headers,
    )
