"""What Taobao/Tmall status texts mean, shared by the order report and the item report.

The export texts (订单状态) and the open-platform API values both appear in the wild. 交易关闭
(TRADE_CLOSED) is ``refunded`` when the order was paid and ``closed`` otherwise; an empty
status is inferred from the other columns (:func:`~winback.ingest.orders_common.infer_status`).
"""

from __future__ import annotations

from winback.ingest.orders_common import Columns, Evidence, RowRejected, infer_status
from winback.model import OrderStatus

STATUS_LABELS: dict[str, OrderStatus] = {
    "等待买家付款": OrderStatus.PENDING,
    "等待买家确认货到付款订单信息": OrderStatus.PENDING,
    "买家已付款，等待卖家发货": OrderStatus.PAID,
    "买家已确认，等待卖家发货": OrderStatus.PAID,
    "卖家部分发货": OrderStatus.SHIPPED,
    "卖家已发货，等待买家确认": OrderStatus.SHIPPED,
    "买家已签收": OrderStatus.DELIVERED,
    "买家已签收，回款至卖家": OrderStatus.SETTLED,
    "交易成功": OrderStatus.SETTLED,
    "交易被淘宝关闭": OrderStatus.CLOSED,
    "TRADE_NO_CREATE_PAY": OrderStatus.PENDING,
    "WAIT_BUYER_PAY": OrderStatus.PENDING,
    "PAY_PENDING": OrderStatus.PENDING,
    "WAIT_SELLER_SEND_GOODS": OrderStatus.PAID,
    "PAID_FORBID_CONSIGN": OrderStatus.PAID,
    "SELLER_CONSIGNED_PART": OrderStatus.SHIPPED,
    "WAIT_BUYER_CONFIRM_GOODS": OrderStatus.SHIPPED,
    "TRADE_BUYER_SIGNED": OrderStatus.DELIVERED,
    "TRADE_FINISHED": OrderStatus.SETTLED,
    "TRADE_CLOSED_BY_TAOBAO": OrderStatus.CLOSED,
}
CLOSED_LABELS = frozenset({"交易关闭", "TRADE_CLOSED"})
NOT_CLOSED = frozenset({"订单未关闭", "未关闭"})


def order_status(raw: str | None, evidence: Evidence, columns: Columns) -> OrderStatus:
    """A status text as an :class:`OrderStatus`; inferred when there is none."""
    if raw is None:
        return infer_status(evidence)
    if raw in CLOSED_LABELS:
        return OrderStatus.REFUNDED if evidence.paid else OrderStatus.CLOSED
    found = STATUS_LABELS.get(raw)
    if found is None:
        raise RowRejected(columns.header("status"), f"unknown order status {raw!r}")
    return found
