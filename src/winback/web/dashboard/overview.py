"""The overview (P3): today's and the period's 催付 tiles, the D1 decomposition chart, the
lost-order ratio with its alert line, and the days to look at. Read from the precomputed
panels (:mod:`winback.services.dashboard`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from winback.present import charts
from winback.present.html_report import PART_COLOURS
from winback.present.labels import part_label
from winback.present.numbers import money_axis
from winback.services import dashboard
from winback.web.dashboard.view import Reader, Writer, render

router = APIRouter(include_in_schema=False)


@router.get("/stores/{store}/overview", response_class=HTMLResponse)
async def overview(page: Reader) -> HTMLResponse:
    name = page.store.name
    diagnosis = await run_in_threadpool(dashboard.read_panel, page.ctx.app, name, "diagnosis")
    tiles = await run_in_threadpool(dashboard.read_panel, page.ctx.app, name, "tiles")
    data: dict[str, Any] = diagnosis.data if diagnosis else {}
    problem = data.get("problem")
    ok = bool(data) and problem is None
    return render(
        page,
        "overview.html",
        page_name="overview",
        panel=diagnosis,
        problem=problem,
        tiles=tiles.data if tiles and "problem" not in tiles.data else None,
        decomposition=Markup(_decomposition_chart(data, page.language)) if ok else None,
        lost_chart=Markup(_lost_ratio_chart(data, page.t)) if ok else None,
        alert_days=[d for d in data["lost_ratio"]["days"] if d.get("alert")] if ok else [],
        threshold=data["lost_ratio"]["threshold"] if ok else None,
    )


@router.post("/stores/{store}/refresh")
async def refresh(page: Writer) -> Response:
    """Recompute the store's panels now (a write token: it is heavy on a large store)."""
    await run_in_threadpool(dashboard.refresh_aggregates, page.ctx.app, page.store.name)
    back = page.request.headers.get("referer") or f"/stores/{page.store.name}/overview"
    return RedirectResponse(back if back.startswith(("http", "/")) else "/", 303)


def _decomposition_chart(data: dict[str, Any], language: str) -> str:
    days = data["decomposition"]["days"]
    currency = data.get("currency", "CNY")
    return charts.stacked_bars(
        [str(day["day"])[5:] for day in days],
        [
            charts.Series(
                part_label(part, language),
                [float(day.get(f"{part}_amount") or 0) for day in days],
                colour,
            )
            for part, colour in PART_COLOURS.items()
        ],
        title="",
        y_label="",
        y_format=lambda value: money_axis(value, currency),
    )


def _lost_ratio_chart(data: dict[str, Any], t: dict[str, str]) -> str:
    lost = data["lost_ratio"]
    days = lost["days"]
    threshold = float(lost["threshold"])
    return charts.line_chart(
        [str(day["day"])[5:] for day in days],
        [
            charts.Series(t["ratio"], [day.get("lost_ratio") for day in days]),
        ],
        title="",
        y_label="",
        y_format=lambda value: f"{value:.0%}",
        threshold=threshold,
        threshold_label=t["alert_line"].format(pct=f"{threshold:.0%}"),
    )
