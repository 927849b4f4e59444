"""The buyer-facing pages of the cancelled-order save, in Chinese and English: the one-click
reason form and the thank-you page with the offer (docs/offers.md).

Small, self-contained HTML like the unsubscribe pages (no scripts, no external assets);
every value is escaped here. Money is written by the store's voice, as in its messages.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html import escape
from typing import Final

from starlette.responses import HTMLResponse

from winback.decide.offers import Offer, OfferKind, SaveReason

__all__ = ["REASONS", "form_page", "notice_page", "thanks_page"]

REASONS: Final[dict[str, dict[SaveReason, str]]] = {
    "zh": {
        SaveReason.CHANGED_MIND: "改变主意了",
        SaveReason.SHIPPING_COST: "运费太高",
        SaveReason.SLOW_DELIVERY: "到货太慢",
        SaveReason.RETURNS_POLICY: "退货政策不满意",
        SaveReason.PAYMENT: "付款问题",
        SaveReason.FORCED_ACCOUNT: "必须注册账号",
        SaveReason.FOUND_CHEAPER: "别处更便宜",
        SaveReason.OTHER: "其他",
    },
    "en": {
        SaveReason.CHANGED_MIND: "I changed my mind",
        SaveReason.SHIPPING_COST: "Shipping cost too high",
        SaveReason.SLOW_DELIVERY: "Delivery too slow",
        SaveReason.RETURNS_POLICY: "The returns policy",
        SaveReason.PAYMENT: "Payment",
        SaveReason.FORCED_ACCOUNT: "I had to create an account",
        SaveReason.FOUND_CHEAPER: "Found it cheaper elsewhere",
        SaveReason.OTHER: "Other",
    },
}

_TEXTS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "很遗憾看到您取消订单",
        "ask": "能告诉我们原因吗？选一项即可，我们会尽力帮您。",
        "note": "想多说几句（可选）",
        "send": "提交",
        "thanks": "谢谢您告诉我们",
        "used": "这个链接已经用过了，谢谢您！",
        "choose": "请选择一个原因。",
        "invalid": "此链接已损坏或并非本店发出。",
        "expired": "此链接已过期。如需帮助，请直接联系店铺客服。",
        "unavailable": "暂时无法提交，请稍后再试或直接联系店铺客服。",
        "problem": "链接有问题",
    },
    "en": {
        "title": "Sorry to see you go",
        "ask": "Can you tell us why? Pick one, and we will do our best to help.",
        "note": "Anything else? (optional)",
        "send": "Send",
        "thanks": "Thank you for telling us",
        "used": "This link was already used. Thank you!",
        "choose": "Please pick a reason.",
        "invalid": "This link is damaged or was not sent by this shop.",
        "expired": "This link has expired. For help, contact the shop's customer service.",
        "unavailable": "This is not available right now; please try again later or contact "
        "the shop.",
        "problem": "Link problem",
    },
}

_OFFERS: Final[dict[str, dict[OfferKind, str]]] = {
    "zh": {
        OfferKind.FREE_SHIPPING: "重新下单我们为您免运费，请联系客服。",
        OfferKind.PRIORITY_SHIPPING: "重新下单我们免费为您加急发货：{reorder_by}前下单即可。",
        OfferKind.PRODUCT_INFO: "客服会把这件商品的详细介绍发给您，帮您再看看。",
        OfferKind.SIMILAR_ITEMS: "客服会为您推荐几款相似的商品。",
        OfferKind.VARIANT_CHANGE: "想换尺码或颜色？客服可以帮您挑选。",
        OfferKind.POLICY_EXPLAINED: "我们支持无忧退货，客服会为您说明退货政策。",
        OfferKind.OTHER_PAYMENT: "我们还支持其他付款方式（如先用后付、货到付款），客服可为您安排。",
        OfferKind.GUEST_CHECKOUT: "无需注册也可以下单：只需地址和联系方式。",
        OfferKind.PRICE_MATCH: "把更低的价格发给客服，我们可以为您保价（最多 {cost}）。",
        OfferKind.LET_GO: "我们理解，欢迎随时回来看看。",
        OfferKind.COUPON: "送您一张优惠码 {code}：{value}，满 {min_spend} 可用，{expires} 前有效。",
        OfferKind.THANK_YOU: "您的反馈对我们很重要。",
    },
    "en": {
        OfferKind.FREE_SHIPPING: "Order again and shipping is on us: contact us to arrange it.",
        OfferKind.PRIORITY_SHIPPING: "Order again and we ship it first, at no cost: order by "
        "{reorder_by}.",
        OfferKind.PRODUCT_INFO: "We will send you the full details of the item.",
        OfferKind.SIMILAR_ITEMS: "We will suggest a few similar items.",
        OfferKind.VARIANT_CHANGE: "Another size or colour? We can help you choose.",
        OfferKind.POLICY_EXPLAINED: "Returns are easy with us: we will explain our policy.",
        OfferKind.OTHER_PAYMENT: "We also take other ways to pay (pay later, cash on delivery).",
        OfferKind.GUEST_CHECKOUT: "You can order without an account: an address and a contact "
        "are enough.",
        OfferKind.PRICE_MATCH: "Send us the lower price and we will match it (up to {cost}).",
        OfferKind.LET_GO: "We understand; you are welcome back any time.",
        OfferKind.COUPON: "Here is a code for you: {code}, {value} off orders of {min_spend} "
        "or more, until {expires}.",
        OfferKind.THANK_YOU: "Your answer helps us do better.",
    },
}


def _texts(language: str) -> dict[str, str]:
    return _TEXTS.get(language, _TEXTS["en"])


def _html(language: str, title: str, body: str, status: int) -> HTMLResponse:
    lang = language if language in _TEXTS else "en"
    return HTMLResponse(
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
        "label{display:block;margin:.4rem 0}textarea{width:100%}"
        "button{font-size:1.1rem;padding:.6rem 1.4rem;margin-top:1rem}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def notice_page(language: str, kind: str, status: int) -> HTMLResponse:
    """A link problem (``invalid``, ``expired``, ``unavailable``) in the buyer's language."""
    texts = _texts(language)
    return _html(language, texts["problem"], f"<p>{escape(texts[kind])}</p>", status)


def form_page(language: str, action: str, *, status: int = 200) -> HTMLResponse:
    """The reason form posting to ``action`` (an escaped URL); with a 400 ``status``, asking
    for a reason first."""
    texts = _texts(language)
    reasons = REASONS.get(language, REASONS["en"])
    choices = "".join(
        f'<label><input type="radio" name="reason" value="{escape(reason)}" required> '
        f"{escape(label)}</label>"
        for reason, label in reasons.items()
    )
    ask = texts["choose"] if status == 400 else texts["ask"]
    body = (
        f"<p>{escape(ask)}</p>"
        f'<form method="post" action="{action}">{choices}'
        f'<label>{escape(texts["note"])}<textarea name="note" maxlength="500" rows="3">'
        "</textarea></label>"
        f'<button type="submit">{escape(texts["send"])}</button></form>'
    )
    return _html(language, texts["title"], body, status)


def thanks_page(
    language: str,
    offer: Offer | None,
    *,
    money: Callable[[Decimal], str],
    code: str | None = None,
    expires: str = "",
    reorder_by: str = "",
) -> HTMLResponse:
    """Always a thank-you; with the offer made (None: the link was used before)."""
    texts = _texts(language)
    if offer is None:
        return _html(language, texts["thanks"], f"<p>{escape(texts['used'])}</p>", 200)
    words = _OFFERS.get(language, _OFFERS["en"])[offer.kind]
    value = ""
    min_spend = ""
    if offer.coupon is not None:
        terms = offer.coupon
        value = f"{terms.value:f}%" if terms.percent else money(terms.value)
        min_spend = money(terms.min_spend)
    line = words.format(
        code=code or "",
        value=value,
        min_spend=min_spend,
        expires=expires,
        reorder_by=reorder_by,
        cost=money(offer.cost),
    )
    thanks = _OFFERS.get(language, _OFFERS["en"])[OfferKind.THANK_YOU]
    body = f"<p>{escape(line)}</p>"
    if offer.kind is not OfferKind.THANK_YOU:
        body += f"<p>{escape(thanks)}</p>"
    return _html(language, texts["thanks"], body, 200)
