"""Erasing one buyer's personal data (PIPL art. 47, GDPR art. 17), everywhere it is kept.

Contacts, names, addresses and the texts the buyer or the team wrote (NPS answers' whys
included) are removed, and so are their preference-centre choices; the
customer row stays under an anonymous key so the store's figures (orders, amounts,
recovery) keep adding up. Pending actions to the buyer are cancelled and the buyer is
suppressed on every channel. Raw webhook events that mention the buyer's e-mail or phone
are emptied. Takes a connection and does not commit: the caller's transaction decides.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from winback.store.schema import (
    action_attempts,
    actions,
    carts,
    chat_messages,
    customers,
    erasures,
    feedback,
    nps_responses,
    orders,
    preferences,
    save_responses,
    suppressions,
    task_outcomes,
    webhook_events,
)

__all__ = ["ERASED_KEY", "erase_customer"]

ERASED_KEY: Final = "erased-{id}"
ERASED_BODY: Final = '{"erased": true}'
OPEN_ACTIONS: Final = ("planned", "sending")


def erase_customer(
    conn: Connection,
    store_id: int,
    customer_id: int,
    *,
    addresses: Sequence[str],
    now: datetime,
    requested_by: str | None,
) -> dict[str, int]:
    """Erase the customer row ``customer_id`` of ``store_id``; ``addresses`` are its phone
    numbers and e-mails as stored (for the rows that hold them without the customer id).
    Returns how many rows of each table were changed."""
    done: dict[str, int] = {}

    def count(name: str, result: object) -> None:
        done[name] = done.get(name, 0) + int(getattr(result, "rowcount", 0) or 0)

    count(
        "customers",
        conn.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(
                customer_key=ERASED_KEY.format(id=customer_id),
                name=None,
                region=None,
                phone=None,
                phone_masked=False,
                email=None,
                email_masked=False,
                address=None,
                address_masked=False,
                tags=None,
            )
        ),
    )
    count(
        "orders",
        conn.execute(
            update(orders)
            .where(orders.c.store_id == store_id, orders.c.customer_id == customer_id)
            .values(buyer_message=None, seller_remark=None)
        ),
    )
    address_match = (
        [carts.c.email.in_(addresses), carts.c.phone.in_(addresses)] if addresses else []
    )
    count(
        "carts",
        conn.execute(
            update(carts)
            .where(
                carts.c.store_id == store_id,
                or_(carts.c.customer_id == customer_id, *address_match),
            )
            .values(email=None, phone=None)
        ),
    )
    for row in conn.execute(
        select(chat_messages.c.id).where(
            chat_messages.c.store_id == store_id, chat_messages.c.customer_id == customer_id
        )
    ).all():
        count(
            "chat_messages",
            conn.execute(
                update(chat_messages)
                .where(chat_messages.c.id == row.id)
                .values(text="", text_hash=f"erased-{row.id}"[:32], staff=None)
            ),
        )
    count(
        "feedback",
        conn.execute(
            update(feedback)
            .where(feedback.c.store_id == store_id, feedback.c.customer_id == customer_id)
            .values(text="")
        ),
    )
    count(
        "nps_responses",
        conn.execute(
            update(nps_responses)
            .where(nps_responses.c.store_id == store_id, nps_responses.c.customer_id == customer_id)
            .values(why=None)
        ),
    )
    count(
        "preferences",
        conn.execute(
            delete(preferences).where(
                preferences.c.store_id == store_id, preferences.c.customer_id == customer_id
            )
        ),
    )
    action_ids = [
        int(i)
        for i in conn.scalars(
            select(actions.c.id).where(
                actions.c.store_id == store_id, actions.c.customer_id == customer_id
            )
        )
    ]
    if action_ids:
        count(
            "actions",
            conn.execute(
                update(actions).where(actions.c.id.in_(action_ids)).values(params=json.dumps({}))
            ),
        )
        count(
            "actions_cancelled",
            conn.execute(
                update(actions)
                .where(actions.c.id.in_(action_ids), actions.c.status.in_(OPEN_ACTIONS))
                .values(
                    status="cancelled",
                    last_error="the buyer's data was erased on request",
                    updated_at=now,
                )
            ),
        )
        count(
            "action_attempts",
            conn.execute(
                update(action_attempts)
                .where(action_attempts.c.action_id.in_(action_ids))
                .values(answer=None)
            ),
        )
        count(
            "task_outcomes",
            conn.execute(
                update(task_outcomes)
                .where(task_outcomes.c.action_id.in_(action_ids))
                .values(note=None)
            ),
        )
    count(
        "save_responses",
        conn.execute(
            update(save_responses)
            .where(
                save_responses.c.store_id == store_id,
                save_responses.c.customer_id == customer_id,
            )
            .values(note=None)
        ),
    )
    if addresses:
        count(
            "suppressions",
            conn.execute(
                update(suppressions)
                .where(suppressions.c.store_id == store_id, suppressions.c.address.in_(addresses))
                .values(address=None, customer_id=customer_id)
            ),
        )
    conn.execute(
        insert(suppressions).values(
            store_id=store_id,
            channel=None,
            address=None,
            customer_id=customer_id,
            reason="erasure",
            source="erasure on request",
            created_at=now,
        )
    )
    if addresses:
        mentions = or_(*(webhook_events.c.body.contains(a, autoescape=True) for a in addresses))
        count(
            "webhook_events",
            conn.execute(
                update(webhook_events)
                .where(and_(webhook_events.c.store_id == store_id, mentions))
                .values(body=ERASED_BODY, state="ignored", problem="erased on request")
            ),
        )
    conn.execute(
        insert(erasures).values(
            store_id=store_id,
            customer_id=customer_id,
            requested_by=requested_by,
            erased_at=now,
            summary=json.dumps(done, sort_keys=True),
        )
    )
    return done
