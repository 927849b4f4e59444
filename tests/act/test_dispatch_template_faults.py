"""Issue 12.1 end to end, without stand-ins: a shop's own template that fails at run time
for some actions only (the load-time check cannot see it: it depends on the order) goes
through the real :class:`~winback.act.rendering.TemplateRenderer` and sandbox in a real
dispatch. Each failing action fails alone with its reason; the others are sent and recorded
as sent, and nothing is left ``sending`` or ``unknown``."""

from __future__ import annotations

from datetime import timedelta

from act_factories import NOW, make_shop
from sqlalchemy import Engine

from winback.act.dispatcher import Dispatcher
from winback.act.rendering import TemplateRenderer
from winback.act.templates import Template, TemplateLibrary
from winback.act.voice import StoreVoice
from winback.model import ActionChannel, ActionStatus, Purpose
from winback.store import outbox
from winback.store.outbox_engine import Outbox
from winback.testing import FixedClock, MemoryChannel, planned_action

FAULTS = {
    "1001": ("{{ 1 // 0 }}", "division by zero"),
    "1003": ("{{ 'a' * 10**8 }}", "more than the limit"),
    "1004": ("{{ 1 + 'a' }}", "TypeError"),
    "1005": ("{{ 10**5000 }}", "too large"),
    "1006": ("{{ [1][5] }}", "has no element 5"),
    "1007": ("{{ lipsum(20000) }}", "'lipsum' is not defined"),
}
BODY = "【{{ shop }}】订单{{ order_id }}还未付款" + "".join(
    f"{{% if order_id == '{order_id}' %}}{source}{{% endif %}}"
    for order_id, (source, _) in FAULTS.items()
)


def test_a_template_failing_for_some_actions_fails_those_alone(engine: Engine) -> None:
    shop = make_shop(engine, buyers=9)
    template = Template(
        name="unpaid_1",
        language="zh",
        version=1,
        channel=ActionChannel.SMS,
        purpose=Purpose.TRANSACTIONAL,
        body=BODY,
    )
    voice = StoreVoice(name="俏艺", platform="taobao", language="zh", currency="CNY")
    clock = FixedClock(NOW)
    renderer = TemplateRenderer(
        TemplateLibrary([template]), voice_of=lambda store_id: voice, clock=clock
    )
    with engine.begin() as conn:
        outbox.enqueue(
            conn,
            [planned_action(shop.store_id, str(1000 + n), customer_id=shop.customer_ids[f"b{n}"])
             for n in range(9)],
            now=NOW,
        )  # fmt: skip
    sms = MemoryChannel()
    channels = {ActionChannel.SMS: sms}
    report = Dispatcher(Outbox(engine), channels, worker="w1", renderer=renderer,
                        clock=clock).drain()  # fmt: skip
    assert report.outcomes == {"sent": 3, "failed": 6}
    clock.advance(timedelta(hours=1))  # past the lease: nothing is left to reconcile
    later = Dispatcher(Outbox(engine), channels, worker="w2", renderer=renderer,
                       clock=clock).drain()  # fmt: skip
    assert later.claimed == 0 and later.reconciled == {}
    with engine.connect() as conn:
        actions = {a.order_ids[0]: a for a in outbox.list_actions(conn)}
    for order_id, action in actions.items():
        if order_id in FAULTS:
            assert action.status is ActionStatus.FAILED
            assert action.last_error is not None and FAULTS[order_id][1] in action.last_error
        else:
            assert action.status is ActionStatus.SENT
    assert sorted(m.body for m in sms.sent) == [
        f"【俏艺】订单{order_id}还未付款" for order_id in ("1000", "1002", "1008")
    ]
