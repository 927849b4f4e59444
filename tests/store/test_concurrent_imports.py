"""Imports and first runs at the same time (issue 12.6): they take turns, nobody sees a
traceback, the data is whole, and a new database is migrated once. Real processes, real
SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

HEADER = (
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,总金额,买家实际支付金额,"
    "订单状态,买家留言,收货人姓名,收货地址 ,联系手机,订单创建时间,订单付款时间 ,宝贝标题 ,"
    "宝贝总数量,订单关闭原因,商家备注"
)
ORDERS = 3000


def taobao_report(folder: Path) -> Path:
    rows = [
        f'="{100000 + n}",tb_{n % 700},-,99.00,0.00,99.00,99.00,交易成功,-,张*,杭州 ****,'
        f"138****{n % 10000:04d},2026-10-01 {n % 24:02d}:{n % 60:02d}:00,"
        f"2026-10-01 {n % 24:02d}:{n % 60:02d}:30,连衣裙,1,订单未关闭,-"
        for n in range(ORDERS)
    ]
    path = folder / "ExportOrderList.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))
    return path


def start(url: str, cwd: Path, *args: str) -> subprocess.Popen[str]:
    code = "import sys; from winback.cli import main; sys.argv[0] = 'winback'; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "--database", url, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


def test_two_imports_of_the_same_file_at_once_both_end_cleanly(
    database_url: str, tmp_path: Path
) -> None:
    report = taobao_report(tmp_path)
    runs = [start(database_url, tmp_path, "import", str(report), "--source", "taobao", "--json")
            for _ in range(2)]  # fmt: skip
    outcomes = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outcomes, strict=True):
        assert run.returncode == 0, err
        assert "Traceback" not in err
    created = sorted(int(out.split('"created": ')[1].split(",")[0]) for out, _ in outcomes)
    assert created == [0, ORDERS]  # one imported, the other found every order unchanged
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == ORDERS
        assert conn.execute(text("SELECT count(*) FROM stores")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM imports")).scalar_one() == 2
    engine.dispose()


def test_two_first_runs_on_an_empty_database_migrate_it_once(
    database_url: str, tmp_path: Path
) -> None:
    code = (
        "import sys; from winback.store.db import connect, migrate; "
        "engine = connect(sys.argv[1]); migrate(engine); engine.dispose()"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, database_url],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()
