"""``winback serve``: the dashboard, the JSON API, the webhooks and the buyer-facing opt-out
endpoints, in one process under uvicorn (docs/web.md)."""

from __future__ import annotations

import os
import threading
import webbrowser
from typing import TYPE_CHECKING

import click

from winback.cli.base import Context, cli, errors

if TYPE_CHECKING:
    from fastapi import FastAPI

    from winback.app import App


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (PostgreSQL; SQLite has one writer at a time).")  # fmt: skip
@click.option("--open", "open_browser", is_flag=True,
              help="Open the dashboard in the browser, signed in (a new write token).")  # fmt: skip
@click.pass_obj
def serve(obj: Context, host: str, port: int, workers: int, open_browser: bool) -> None:
    """Serve the team's dashboard (/), the JSON API (/api/v1, OpenAPI at
    /api/v1/openapi.json), the webhooks (/webhooks/STORE/shopify|woocommerce|events), the
    SMS-reply pushes (/inbound/sms/...) and the unsubscribe links (/u/TOKEN).

    Open the dashboard with a token from `winback tokens create`. Put it behind an HTTPS
    proxy and set channels.public_url to its public address.
    """
    import uvicorn

    from winback.web.app import create_app
    from winback.web.worker import start_worker

    with errors(), obj.app() as app:
        url = f"http://{host}:{port}"
        click.echo(f"winback serving on {url} (dashboard {url}/, Ctrl+C to stop)", err=True)
        database = app.settings.database_url(app.cwd)
        worker = start_worker(obj.config, database, app.cwd)  # applies webhooks, refreshes
        try:
            if workers == 1:
                web = create_app(app)
                if open_browser:
                    _open_signed_in(app, web, url)
                uvicorn.run(web, host=host, port=port, log_level="info", access_log=False)
                return
            _run_workers(obj, database, host, port, workers, open_browser)
        finally:
            worker.terminate()
            worker.join(timeout=30)


def _run_workers(
    obj: Context, database: str, host: str, port: int, workers: int, open_browser: bool
) -> None:
    """Several uvicorn worker processes, each building its app from the environment."""
    import uvicorn

    if open_browser:
        click.echo("--open works with one worker; sign in with a token instead", err=True)
    if obj.config is not None:
        os.environ["WINBACK_CONFIG"] = str(obj.config.resolve())
    os.environ["WINBACK_DATABASE_URL"] = database
    uvicorn.run(
        "winback.web.asgi:create_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def _open_signed_in(app: App, web: FastAPI, url: str) -> None:
    """A write token for this browser, a single-use login link to it, opened once the
    server listens (and printed, for a machine without a browser)."""
    from winback.services import tokens

    name = f"browser-{app.clock.now():%Y%m%d-%H%M%S}"
    token = tokens.create_token(app, name, "write").token
    link = f"{url}/login/once/{web.state.winback.one_time_login(token)}"
    click.echo(f"signed-in link (single use, 5 minutes): {link}", err=True)
    threading.Timer(1.5, webbrowser.open, args=(link,)).start()
