"""The buyer-facing after-sale pages (R8), in Chinese and English: the NPS survey and the
preference centre, and the short pages that answer them.

Small, self-contained HTML (no scripts, no external assets, a viewport for phones, large tap
targets): a buyer opens them from a message on a phone. They show no contact detail and no
name — only the shop's question — and every value put into a page is escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Final

from starlette.responses import HTMLResponse

from winback.model import Frequency, Preference, Topic

__all__ = ["TEXTS", "message_page", "preferences_page", "survey_page"]

TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "zh": {
        "survey_title": "您的评价",
        "survey_question": "您有多大可能向朋友或同事推荐我们？",
        "survey_low": "0 = 完全不可能",
        "survey_high": "10 = 非常可能",
        "survey_why": "打这个分数的主要原因是什么？（选填）",
        "survey_send": "提交",
        "thanks_title": "谢谢您！",
        "thanks": "我们已收到您的评价，会认真阅读每一条意见。",
        "answered_title": "已提交",
        "answered": "此链接已提交过评价，无需再次填写。谢谢！",
        "bad_score": "请选择 0 到 10 中的一个分数。",
        "prefs_title": "消息偏好",
        "prefs_intro": "选择您希望收到的消息和频率，而不必全部退订。",
        "prefs_topics": "我想收到：",
        "prefs_frequency": "营销消息最多：",
        "prefs_save": "保存",
        "saved_title": "已保存",
        "saved": "您的消息偏好已更新。",
        "bad_prefs": "请使用页面上的选项。",
        "expired_title": "链接已过期",
        "expired": "此链接已过期。如有需要，请联系店铺客服。",
        "invalid_title": "链接无效",
        "invalid": "此链接已损坏或并非本店发出。",
        "unavailable_title": "暂不可用",
        "unavailable": "此页面暂不可用，请稍后再试或联系店铺客服。",
        Topic.ORDER_UPDATES: "订单通知（付款、发货、确认收货）",
        Topic.PROMOTIONS: "优惠活动",
        Topic.NEW_ARRIVALS: "新品上架",
        Topic.SURVEYS: "满意度调查",
        Frequency.ANY: "不限",
        Frequency.WEEKLY: "每周一次",
        Frequency.MONTHLY: "每月一次",
    },
    "en": {
        "survey_title": "Your opinion",
        "survey_question": "How likely are you to recommend us to a friend or colleague?",
        "survey_low": "0 = not at all likely",
        "survey_high": "10 = extremely likely",
        "survey_why": "What is the main reason for your score? (optional)",
        "survey_send": "Send",
        "thanks_title": "Thank you!",
        "thanks": "We have your answer and read every comment.",
        "answered_title": "Already answered",
        "answered": "This link was already used to answer. Thank you!",
        "bad_score": "Please choose one score from 0 to 10.",
        "prefs_title": "Message preferences",
        "prefs_intro": "Choose what you hear from us and how often, instead of unsubscribing "
        "from everything.",
        "prefs_topics": "Send me:",
        "prefs_frequency": "Marketing at most:",
        "prefs_save": "Save",
        "saved_title": "Saved",
        "saved": "Your message preferences are updated.",
        "bad_prefs": "Please use the choices on the page.",
        "expired_title": "Link expired",
        "expired": "This link has expired. Contact the shop's customer service if you need to.",
        "invalid_title": "Invalid link",
        "invalid": "This link is damaged or was not sent by this shop.",
        "unavailable_title": "Not available",
        "unavailable": "This page is not available right now; please try again later.",
        Topic.ORDER_UPDATES: "Order updates (payment, shipping, receipt)",
        Topic.PROMOTIONS: "Promotions",
        Topic.NEW_ARRIVALS: "New arrivals",
        Topic.SURVEYS: "Satisfaction surveys",
        Frequency.ANY: "no limit",
        Frequency.WEEKLY: "once a week",
        Frequency.MONTHLY: "once a month",
    },
}
_STYLE: Final = (
    "body{font-family:sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}fieldset{border:0;padding:0;margin:1rem 0}"
    ".scale{display:flex;flex-wrap:wrap;gap:.35rem}.scale label{flex:1 0 2.6rem;"
    "text-align:center;border:1px solid #999;border-radius:.4rem;padding:.6rem 0}"
    ".scale input{display:block;margin:0 auto .2rem}textarea{width:100%;min-height:6rem;"
    "font-size:1rem}button{font-size:1.1rem;padding:.7rem 1.6rem;margin-top:1rem}"
    ".hint{color:#666;font-size:.9rem;display:flex;justify-content:space-between}"
    ".choice{display:block;padding:.5rem 0}.error{color:#b00}"
)


def _texts(language: str) -> Mapping[str, str]:
    return TEXTS.get(language, TEXTS["en"])


def _page(language: str, title: str, body: str, status: int) -> HTMLResponse:
    lang = "zh" if language == "zh" else "en"
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def message_page(language: str, kind: str, status: int) -> HTMLResponse:
    """A page that says one thing: ``kind`` is ``thanks``, ``answered``, ``saved``,
    ``expired``, ``invalid`` or ``unavailable``."""
    texts = _texts(language)
    return _page(language, texts[f"{kind}_title"], f"<p>{escape(texts[kind])}</p>", status)


def survey_page(
    language: str, action: str, *, shop: str, error: bool = False, status: int = 200
) -> HTMLResponse:
    """The 0–10 question and the why, posting to ``action`` (a path, escaped here)."""
    texts = _texts(language)
    scale = "".join(
        f'<label><input type="radio" name="score" value="{n}" required>{n}</label>'
        for n in range(11)
    )
    problem = f'<p class="error">{escape(texts["bad_score"])}</p>' if error else ""
    body = (
        f"<p><b>{escape(shop)}</b></p>{problem}"
        f'<form method="post" action="{escape(action, quote=True)}">'
        f"<fieldset><legend>{escape(texts['survey_question'])}</legend>"
        f'<div class="scale">{scale}</div><p class="hint"><span>{escape(texts["survey_low"])}'
        f"</span><span>{escape(texts['survey_high'])}</span></p></fieldset>"
        f'<label for="why">{escape(texts["survey_why"])}</label>'
        '<textarea id="why" name="why" maxlength="2000"></textarea>'
        f'<button type="submit">{escape(texts["survey_send"])}</button></form>'
    )
    return _page(language, texts["survey_title"], body, status)


def preferences_page(
    language: str,
    action: str,
    *,
    shop: str,
    current: Preference | None,
    error: bool = False,
    status: int = 200,
) -> HTMLResponse:
    """The topics (checkboxes) and the marketing frequency (radio buttons), showing the
    buyer's current choice (none stored: everything, no limit)."""
    texts = _texts(language)
    chosen = current or Preference(frozenset(Topic), Frequency.ANY)
    topics = "".join(
        f'<label class="choice"><input type="checkbox" name="topic" value="{topic}"'
        f"{' checked' if chosen.wants(topic) else ''}> {escape(texts[topic])}</label>"
        for topic in Topic
    )
    frequencies = "".join(
        f'<label class="choice"><input type="radio" name="frequency" value="{frequency}"'
        f"{' checked' if chosen.frequency is frequency else ''}> "
        f"{escape(texts[frequency])}</label>"
        for frequency in Frequency
    )
    problem = f'<p class="error">{escape(texts["bad_prefs"])}</p>' if error else ""
    body = (
        f"<p><b>{escape(shop)}</b></p><p>{escape(texts['prefs_intro'])}</p>{problem}"
        f'<form method="post" action="{escape(action, quote=True)}">'
        f"<fieldset><legend>{escape(texts['prefs_topics'])}</legend>{topics}</fieldset>"
        f"<fieldset><legend>{escape(texts['prefs_frequency'])}</legend>{frequencies}</fieldset>"
        f'<button type="submit">{escape(texts["prefs_save"])}</button></form>'
    )
    return _page(language, texts["prefs_title"], body, status)
