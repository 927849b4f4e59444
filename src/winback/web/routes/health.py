"""``GET /healthz``: the process answers (for load balancers and ``winback serve``'s tests)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

router = APIRouter(include_in_schema=False)


@router.get("/healthz", response_class=PlainTextResponse)
def health() -> str:
    return "ok"
