"""The buyer-facing pages of the unsubscribe flow, in Chinese and English.

Small, self-contained HTML (no scripts, no external assets): a buyer opens them from an
e-mail on a phone. Every value put into a page is escaped by the caller or here.
"""

from __future__ import annotations

from html import escape
from typing import Final

from starlette.responses import HTMLResponse

__all__ = ["TEXTS", "page"]

TEXTS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "zh": {
        "confirm": ("退订确认", "确定不再接收此类消息吗？点击下方按钮即可退订。"),
        "button": ("退订", ""),
        "done": ("已退订", "您已成功退订，今后不会再收到此类消息。"),
        "already": ("已退订", "此链接已使用过，您已退订，无需再次操作。"),
        "expired": (
            "链接已过期",
            "此退订链接已过期。请使用最新邮件中的退订链接，或直接联系店铺客服。",
        ),
        "invalid": ("链接无效", "此链接已损坏或并非本店发出，无法退订。"),
        "bad_request": ("请求无效", "请使用页面上的退订按钮。"),
        "unavailable": ("暂时无法退订", "退订功能暂不可用，请稍后再试或联系店铺客服。"),
    },
    "en": {
        "confirm": (
            "Unsubscribe",
            "Stop receiving these messages? Press the button below to unsubscribe.",
        ),
        "button": ("Unsubscribe", ""),
        "done": ("Unsubscribed", "You are unsubscribed and will not receive these messages again."),
        "already": ("Unsubscribed", "This link was already used: you are unsubscribed."),
        "expired": (
            "Link expired",
            "This unsubscribe link has expired. Use the link in a newer e-mail, or contact the "
            "shop's customer service.",
        ),
        "invalid": ("Invalid link", "This link is damaged or was not sent by this shop."),
        "bad_request": ("Invalid request", "Please use the unsubscribe button on the page."),
        "unavailable": (
            "Unsubscribe unavailable",
            "Unsubscribing is not available right now; please try again later or contact the shop.",
        ),
    },
}


def page(language: str, kind: str, status: int, *, action: str | None = None) -> HTMLResponse:
    """The page ``kind`` in ``language``; with ``action`` (an escaped URL), the one-click
    form that posts ``List-Unsubscribe=One-Click`` to it."""
    texts = TEXTS.get(language, TEXTS["en"])
    title, message = texts[kind]
    form = ""
    if action is not None:
        form = (
            f'<form method="post" action="{action}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{escape(texts["button"][0])}</button></form>'
        )
    html = (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
        "button{font-size:1.1rem;padding:.6rem 1.4rem}</style></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p>{form}</body></html>"
    )
    return HTMLResponse(html, status_code=status)
