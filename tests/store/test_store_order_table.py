"""Orders read column-wise (an OrderTable) are stored exactly as the same orders read row by
row: same rows, same timeline, same fingerprints, so either reader's re-import is a no-op."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from store_factories import apply, new_store

from winback.ingest import taobao
from winback.ingest.records import OrderRecord, OrderTable
from winback.store.schema import customers, order_events, orders

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = (
    "订单编号,买家会员名,总金额,买家实际支付金额,订单状态,收货人姓名,收货地址 ,联系手机,"
    "订单创建时间,订单付款时间 ,订单关闭原因"
)
STATES = [
    ("交易成功", "{n}.00", "2026-01-0{d} 09:{m:02d}:00", "订单未关闭"),
    ("等待买家付款", "0.00", "", "订单未关闭"),
    ("交易关闭", "{n}.00", "2026-01-0{d} 09:{m:02d}:00", "退款"),
    ("交易关闭", "0.00", "", "买家未付款"),
]


def report(tmp_path: Path, count: int) -> Path:
    rows = []
    for n in range(1, count + 1):
        status, paid, paid_at, reason = STATES[n % len(STATES)]
        day, minute = n % 9 + 1, n % 60
        rows.append(
            f'="{10**12 + n}",tb_{n % 700},{n}.00,{paid.format(n=n)},{status},张*,'
            f"浙江省 杭州市 ****,138****{n % 10000:04d},2026-01-0{day} 08:{minute:02d}:00,"
            f"{paid_at.format(d=day, m=minute)},{reason}"
        )
    path = tmp_path / "ExportOrderList.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))
    return path


def contents(engine: Engine, store: int) -> dict[str, list[tuple[object, ...]]]:
    """A store's orders, timeline and customers without row ids."""
    skip = {"id", "store_id", "customer_id", "updated_at"}
    order_columns = [c for c in orders.c if c.name not in skip]
    customer_columns = [c for c in customers.c if c.name not in skip]
    events = (
        select(orders.c.order_id, order_events.c.status, order_events.c.at)
        .join(orders, orders.c.id == order_events.c.order_row_id)
        .where(orders.c.store_id == store)
    )
    with engine.connect() as conn:
        return {
            "orders": sorted(
                tuple(r)
                for r in conn.execute(select(*order_columns).where(orders.c.store_id == store))
            ),
            "events": sorted(tuple(r) for r in conn.execute(events)),  # type: ignore[misc]
            "customers": sorted(
                tuple(r)
                for r in conn.execute(
                    select(*customer_columns).where(customers.c.store_id == store)
                )
            ),
        }


def test_column_wise_and_row_wise_orders_are_stored_alike(engine: Engine, tmp_path: Path) -> None:
    path = report(tmp_path, 1500)
    by_columns = taobao.parse(path, tz=SHANGHAI, columnar=True)
    by_rows = taobao.parse(path, tz=SHANGHAI)
    assert [type(r) for r in by_columns.records] == [OrderTable]
    assert all(isinstance(r, OrderRecord) for r in by_rows.records)
    with engine.begin() as conn:
        first, second = new_store(conn, "columns"), new_store(conn, "rows")
    created = apply(engine, first, by_columns.records)
    assert (created.created, created.updated, created.unchanged) == (1500, 0, 0)
    apply(engine, second, by_rows.records)
    stored = contents(engine, first)
    assert len(stored["events"]) > 1500 and len(stored["customers"]) == 700
    assert stored == contents(engine, second)
    again = apply(engine, first, by_rows.records)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1500)
    again = apply(engine, second, by_columns.records)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1500)
    assert contents(engine, first) == stored
