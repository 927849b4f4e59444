"""Every playbook kind plans, on one fixed store of facts, exactly the actions recorded in
``data/planned_actions.jsonl`` (and the same summary counts): the record was written by the
planners before they were factored onto one shared per-order planner (issue 14), so a change
to how the kinds are put together cannot change what they plan.

The facts are drawn once from a seeded generator (buyers shared between orders, masked
contacts, consents, earlier steps of some orders, instants around the store's yesterday and
the after-sale deadlines); the playbooks are each kind's defaults and variants with several
steps, a gap, call windows and the other settings the kinds read.

To record anew (only when a change is *meant* to change what is planned, said in its
commit): ``WINBACK_RECORD_PLANS=1 pytest tests/decide/test_planned_actions_unchanged.py``.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from recovery_facts import NOW, context

from winback.analyse.reasons import default_classifier
from winback.config import Settings
from winback.contracts import (
    AFTER_SALE_ORDERS,
    BUYER_FIELDS,
    CANCELLED_ORDERS,
    CLOSED_ORDERS,
    EARLIER_FIRST_STEPS,
    EARLIER_STEPS,
    OPEN_ORDERS,
)
from winback.decide.plan import plan_recovery
from winback.decide.planner import Facts

RECORD = Path(__file__).parent / "data" / "planned_actions.jsonl"
TWO_STEPS = [
    {"after": "0h", "templates": {"new": "first", "returning": "first_again"}},
    {"after": "6h", "templates": {"new": "second", "returning": "second_again"}},
]
CHANNEL_RULES = [
    {"channel": "phone_task", "amount_at_least": "300", "direct_contact": True},
    {"channel": "sms", "returning": True},
    {"channel": "email"},
    {"channel": "chat_task", "contacts_masked": True},
]
PLAYBOOKS: Mapping[str, dict[str, Any]] = {
    "unpaid": {"kind": "unpaid"},
    "followup": {"kind": "closed_followup"},
    "followup_twice": {
        "kind": "closed_followup", "holdout_share": 0.3, "min_gap": "2h",
        "valid_for": "3d", "steps": TWO_STEPS, "rules": CHANNEL_RULES,
    },
    "save": {"kind": "cancel_save"},
    "save_twice": {
        "kind": "cancel_save", "holdout_share": 0.25, "valid_for": "1d", "steps": TWO_STEPS,
        "rules": CHANNEL_RULES,
    },
    "nps": {"kind": "nps"},
    "nps_confirmed": {
        "kind": "nps", "from_event": "confirmed", "holdout_share": 0, "valid_for": "30d",
        "steps": TWO_STEPS, "rules": CHANNEL_RULES, "min_gap": "1h",
    },
    "confirm": {"kind": "confirm_receipt"},
    "confirm_fixed": {
        "kind": "confirm_receipt", "auto_confirm_after": "12d", "after_delivery": "2d",
        "steps": [
            {"after": "3d", "templates": {"new": "confirm", "returning": "confirm"}},
            {"after": "6d", "templates": {"new": "confirm", "returning": "confirm"}},
        ],
        "rules": CHANNEL_RULES,
    },
}  # fmt: skip
TEXTS = ("买家不想买了", "运费太贵了", "拍错了颜色", "找到更便宜的", "", "太慢了不要了")
PLATFORMS = ("taobao", "jd", "pdd", "shopify", "douyin")


def _buyer(rng: random.Random, buyers: list[str | None]) -> dict[str, Any]:
    key = rng.choice(buyers)
    masked = rng.random() < 0.2
    row: dict[str, Any] = {field.name: rng.random() < 0.15 for field in BUYER_FIELDS}
    row.update(
        customer_id=None if key is None else int(key[1:]),
        customer_key=key,
        paid_orders=rng.choice((0, 0, 1, 1, 2, 5)),
        phone_known=not masked and rng.random() < 0.7,
        phone_masked=masked,
        email_known=not masked and rng.random() < 0.4,
        email_masked=masked,
        chat=key is not None and rng.random() < 0.8,
    )
    return row


def _order(rng: random.Random, order_id: str, buyers: list[str | None]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "amount": Decimal(rng.randrange(500, 90_000)) / 100,
        "has_remark": rng.random() < 0.1,
        "items": rng.sample(["连衣裙", "羊毛大衣", "运动鞋", "保温杯"], rng.randrange(0, 3)),
        "reordered_by": f"r{order_id}" if rng.random() < 0.1 else None,
        "platform": rng.choice(PLATFORMS),
        **_buyer(rng, buyers),
    }


def _hours(rng: random.Random, low: float, high: float) -> datetime:
    return NOW - timedelta(seconds=int(rng.uniform(low, high) * 3600))


def fixed_facts(seed: int = 14) -> dict[str, pa.Table]:
    rng = random.Random(seed)
    buyers: list[str | None] = [None, *(f"b{n}" for n in range(1, 40))]
    open_rows, closed_rows, cancelled_rows, after_rows, earlier = [], [], [], [], []
    for n in range(120):
        row = _order(rng, f"u{n:03d}", buyers)
        row.update(created_at=_hours(rng, 0.05, 70), payment_method="alipay")
        open_rows.append(row)
    for n in range(120):
        row = _order(rng, f"c{n:03d}", buyers)
        closed = _hours(rng, 0, 60)
        row.update(
            created_at=closed - timedelta(hours=rng.uniform(1, 72)), closed_at=closed,
            close_inferred=rng.random() < 0.2,
            texts=[text for text in rng.sample(TEXTS, rng.randrange(0, 3)) if text],
        )  # fmt: skip
        closed_rows.append(row)
    for n in range(120):
        row = _order(rng, f"x{n:03d}", buyers)
        cancelled = _hours(rng, 0, 80)
        created = cancelled - timedelta(hours=rng.uniform(1, 30))
        row.update(created_at=created, cancelled_at=cancelled)
        cancelled_rows.append(row)
    for n in range(200):
        row = _order(rng, f"a{n:03d}", buyers)
        shipped = _hours(rng, 2, 24 * 25) if rng.random() < 0.9 else None
        delivered = shipped + timedelta(hours=rng.uniform(10, 90)) if shipped else None
        delivered = delivered if delivered and delivered < NOW and rng.random() < 0.7 else None
        settled = (delivered or shipped or NOW) + timedelta(hours=rng.uniform(1, 120))
        settled = settled if settled < NOW and rng.random() < 0.5 else None
        status = "settled" if settled else rng.choice(("shipped", "delivered", "refunded"))
        row.update(
            created_at=(shipped or _hours(rng, 30, 40)) - timedelta(days=1), status=status,
            shipped_at=shipped, delivered_at=delivered, settled_at=settled,
        )  # fmt: skip
        after_rows.append(row)
    for name in PLAYBOOKS:
        pool = {
            "unpaid": open_rows, "followup": closed_rows, "followup_twice": closed_rows,
            "save": cancelled_rows, "save_twice": cancelled_rows,
        }.get(name, after_rows)  # fmt: skip
        for row in rng.sample(pool, 12):
            earlier.append(
                {"playbook": name, "order_id": row["order_id"], "step": 1,
                 "due_at": _hours(rng, 0.5, 30)}
            )  # fmt: skip
    return {
        "open_orders": pa.Table.from_pylist(open_rows, schema=OPEN_ORDERS),
        "closed_orders": pa.Table.from_pylist(closed_rows, schema=CLOSED_ORDERS),
        "cancelled_orders": pa.Table.from_pylist(cancelled_rows, schema=CANCELLED_ORDERS),
        "after_sale_orders": pa.Table.from_pylist(after_rows, schema=AFTER_SALE_ORDERS),
        "earlier_steps": pa.Table.from_pylist(earlier, schema=EARLIER_STEPS),
        "earlier_first_steps": EARLIER_FIRST_STEPS.empty_table(),  # no NPS cooldown at work
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def playbooks() -> dict[str, Any]:
    """:data:`PLAYBOOKS` over the shipped kinds' defaults (those that need steps and rules)."""
    shipped = {book.kind: book.model_dump() for book in Settings().playbooks.values()}
    merged = {name: {**shipped.get(keys["kind"], {}), **keys} for name, keys in PLAYBOOKS.items()}
    return dict(Settings.model_validate({"playbooks": merged}).playbooks)


def planned_lines() -> list[str]:
    facts = Facts(fixed_facts(), default_classifier().predict)
    lines = []
    for name, plan in plan_recovery(context(), playbooks(), facts).items():
        counts = {"orders": plan.orders, "reordered": plan.reordered, "missed": plan.unreachable}
        lines.append(json.dumps({"playbook": name, **counts}, ensure_ascii=False))
        for row in plan.actions.to_pylist():
            row = {key: _jsonable(value) for key, value in row.items()}
            row["params"] = json.loads(row["params"])
            lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return lines


def test_every_kind_plans_what_it_planned_before_the_shared_planner() -> None:
    lines = planned_lines()
    if os.environ.get("WINBACK_RECORD_PLANS"):
        RECORD.parent.mkdir(exist_ok=True)
        RECORD.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recorded = RECORD.read_text(encoding="utf-8").splitlines()
    assert lines == recorded


def test_the_record_covers_every_kind_and_both_outcomes() -> None:
    """The fixed store is not trivial: each playbook plans actions, some held out, and the
    variants reach agents' tasks and more than one step."""
    records = [json.loads(line) for line in RECORD.read_text(encoding="utf-8").splitlines()]
    actions = [r for r in records if "key" in r]
    for name in PLAYBOOKS:
        assert any(a["playbook"] == name for a in actions), name
    assert any(a["held_out"] for a in actions) and not all(a["held_out"] for a in actions)
    assert {a["channel"] for a in actions} >= {"sms", "email", "phone_task", "chat_task"}
    for name in ("followup_twice", "save_twice", "nps_confirmed", "confirm_fixed"):
        assert any(a["playbook"] == name and a["step"] == 2 for a in actions), name
    assert any(r.get("missed") for r in records if "key" not in r)
