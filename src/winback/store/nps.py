"""NPS answers (R8, M3): one row per survey link, and the frame the report reads.

:func:`record_answer` inserts with ``ON CONFLICT (token_id) DO NOTHING RETURNING``, so a link
answers once even under two concurrent posts; the caller also consumes the link
(:func:`winback.store.links.consume`) in the same transaction. Takes a connection and does
not commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pyarrow as pa
from sqlalchemy import Connection, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from winback.store.schema import actions, nps_responses, order_lines, orders

__all__ = ["ANSWERS", "SurveyAction", "answered", "answers_frame", "record_answer", "survey_action"]

ANSWERS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_id", pa.int64()),
        ("playbook", pa.string()),
        ("score", pa.int64()),
        ("why", pa.string()),
        ("answered_at", pa.timestamp("us", tz="UTC")),
        ("order_created_at", pa.timestamp("us", tz="UTC")),
        ("products", pa.list_(pa.string())),
        ("returning", pa.bool_()),
    ]
)
"""A store's NPS answers for the report: the order's placing time, its product titles and
whether the buyer had paid an earlier order (a returning buyer; null: order not stored)."""


@dataclass(frozen=True, slots=True)
class SurveyAction:
    """The survey a link was made for: its action, order, buyer and playbook."""

    action_id: int
    store_id: int
    order_id: str | None
    customer_id: int | None
    playbook: str


def survey_action(conn: Connection, store_id: int, action_id: int) -> SurveyAction | None:
    """The survey action ``action_id`` of ``store_id`` (None: no such action there)."""
    row = conn.execute(
        select(actions.c.id, actions.c.order_ids, actions.c.customer_id, actions.c.playbook).where(
            actions.c.store_id == store_id, actions.c.id == action_id
        )
    ).first()
    if row is None:
        return None
    ids = json.loads(row.order_ids or "[]")
    return SurveyAction(
        int(row.id),
        store_id,
        str(ids[0]) if ids else None,
        None if row.customer_id is None else int(row.customer_id),
        str(row.playbook),
    )


def answered(conn: Connection, token_id: str) -> bool:
    """Whether the link ``token_id`` has been answered."""
    found = conn.scalar(select(nps_responses.c.id).where(nps_responses.c.token_id == token_id))
    return found is not None


def record_answer(
    conn: Connection,
    survey: SurveyAction,
    *,
    score: int,
    why: str | None,
    language: str,
    token_id: str,
    now: datetime,
) -> bool:
    """Store an answer; ``True`` the first time for ``token_id``, ``False`` ever after."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(nps_responses)
        .values(
            store_id=survey.store_id,
            action_id=survey.action_id,
            customer_id=survey.customer_id,
            order_id=survey.order_id,
            playbook=survey.playbook,
            score=score,
            why=why,
            language=language,
            answered_at=now,
            token_id=token_id,
        )
        .on_conflict_do_nothing(index_elements=["token_id"])
        .returning(nps_responses.c.id)
    )
    return conn.execute(statement).first() is not None


def answers_frame(
    conn: Connection, store_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> pa.Table:
    """The store's answers in ``[since, until)`` (:data:`ANSWERS`), oldest first."""
    earlier = orders.alias("earlier")
    query = (
        select(
            nps_responses.c.id,
            nps_responses.c.order_id,
            nps_responses.c.customer_id,
            nps_responses.c.playbook,
            nps_responses.c.score,
            nps_responses.c.why,
            nps_responses.c.answered_at,
            orders.c.id.label("order_row"),
            orders.c.created_at,
            exists(
                select(earlier.c.id).where(
                    earlier.c.store_id == orders.c.store_id,
                    earlier.c.customer_id == orders.c.customer_id,
                    earlier.c.paid_at.is_not(None),
                    earlier.c.paid_at < orders.c.created_at,
                )
            ).label("was_returning"),
        )
        .select_from(
            nps_responses.outerjoin(
                orders,
                (orders.c.store_id == nps_responses.c.store_id)
                & (orders.c.order_id == nps_responses.c.order_id),
            )
        )
        .where(nps_responses.c.store_id == store_id)
        .order_by(nps_responses.c.answered_at, nps_responses.c.id)
    )
    if since is not None:
        query = query.where(nps_responses.c.answered_at >= since)
    if until is not None:
        query = query.where(nps_responses.c.answered_at < until)
    rows = conn.execute(query).all()
    order_rows = sorted({int(r.order_row) for r in rows if r.order_row is not None})
    titles: dict[int, list[str]] = {}
    for start in range(0, len(order_rows), 5_000):
        chunk = order_rows[start : start + 5_000]
        for order_row, title in conn.execute(
            select(order_lines.c.order_row_id, order_lines.c.title)
            .where(order_lines.c.order_row_id.in_(chunk))
            .order_by(order_lines.c.order_row_id, order_lines.c.id)
        ):
            if title and title not in titles.setdefault(int(order_row), []):
                titles[int(order_row)].append(title)
    return pa.Table.from_pylist(
        [
            {
                "order_id": r.order_id,
                "customer_id": r.customer_id,
                "playbook": r.playbook,
                "score": int(r.score),
                "why": r.why,
                "answered_at": r.answered_at,
                "order_created_at": r.created_at,
                "products": titles.get(int(r.order_row), []) if r.order_row is not None else [],
                "returning": None if r.order_row is None else bool(r.was_returning),
            }
            for r in rows
        ],
        schema=ANSWERS,
    )
