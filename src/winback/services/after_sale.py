"""Use cases of the after-sale pages (R8, A5): answering the NPS survey and choosing on the
preference centre, each from a verified signed link.

``claims`` come from :meth:`~winback.act.links.LinkSigner.verify` (signature, purpose and
expiry already checked by the web layer). A survey link answers once: the link is consumed
(:func:`winback.store.links.consume`) and the answer stored in one transaction; a replay
changes nothing and says so. A preference link may be used again and again (a buyer
changes their mind); each save replaces the last. A link signed for an action or a buyer
the store does not have is refused as tampered.
"""

from __future__ import annotations

from dataclasses import dataclass

from winback.act.after_sale_forms import SurveyAnswer
from winback.act.links import LinkClaims, TamperedLink
from winback.app import App
from winback.model import Preference
from winback.store import buyers, links
from winback.store import nps as answers
from winback.store import preferences as chosen

__all__ = [
    "SurveyAnswered",
    "answer_survey",
    "current_preference",
    "save_preference",
    "survey_open",
]


@dataclass(frozen=True, slots=True)
class SurveyAnswered:
    """``first`` is False for a link already answered."""

    first: bool


def _survey_subject(claims: LinkClaims) -> tuple[int, int]:
    try:
        store, action = claims.subject.split(":")
        return int(store), int(action)
    except ValueError:
        raise TamperedLink() from None


def _buyer_subject(claims: LinkClaims) -> tuple[int, int]:
    try:
        store, customer = claims.subject.split(":")
        return int(store), int(customer)
    except ValueError:
        raise TamperedLink() from None


def survey_open(app: App, claims: LinkClaims) -> bool:
    """Whether the survey of ``claims`` can still be answered (False: already answered);
    :class:`~winback.act.links.TamperedLink` for a survey the store does not have."""
    store_id, action_id = _survey_subject(claims)
    with app.engine.connect() as conn:
        if answers.survey_action(conn, store_id, action_id) is None:
            raise TamperedLink()
        return not answers.answered(conn, claims.token_id)


def answer_survey(
    app: App, claims: LinkClaims, answer: SurveyAnswer, *, language: str
) -> SurveyAnswered:
    """Store the answer of a verified survey link, once."""
    store_id, action_id = _survey_subject(claims)
    now = app.clock.now()
    with app.engine.begin() as conn:
        survey = answers.survey_action(conn, store_id, action_id)
        if survey is None:
            raise TamperedLink()
        if not links.consume(conn, claims.token_id, now, expires_at=claims.expires_at):
            return SurveyAnswered(False)
        first = answers.record_answer(
            conn,
            survey,
            score=answer.score,
            why=answer.why,
            language=language,
            token_id=claims.token_id,
            now=now,
        )
    return SurveyAnswered(first)


def current_preference(app: App, claims: LinkClaims) -> Preference | None:
    """The buyer's stored choice (None: never chose); a tampered link for a buyer the store
    does not have raises :class:`~winback.act.links.TamperedLink`."""
    store_id, customer_id = _buyer_subject(claims)
    with app.engine.connect() as conn:
        if buyers.customer_store(conn, customer_id) != store_id:
            raise TamperedLink()
        return chosen.preference_of(conn, store_id, customer_id)


def save_preference(app: App, claims: LinkClaims, choice: Preference) -> None:
    """Store the buyer's choice (replacing the last)."""
    store_id, customer_id = _buyer_subject(claims)
    with app.engine.begin() as conn:
        if buyers.customer_store(conn, customer_id) != store_id:
            raise TamperedLink()
        chosen.save_preference(conn, store_id, customer_id, choice, now=app.clock.now())
