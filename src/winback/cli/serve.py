"""``winback serve``: the web app (inbound SMS replies, unsubscribe links) under uvicorn."""

from __future__ import annotations

import click

from winback.cli.base import Context, cli, errors


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")  # fmt: skip
@click.pass_obj
def serve(obj: Context, host: str, port: int) -> None:
    """Serve the opt-out endpoints: POST /inbound/sms/{aliyun|tencent|twilio|http} for
    buyers' SMS replies, GET/POST /u/{token} for one-click unsubscribe links.

    Put it behind an HTTPS proxy and set channels.public_url to its public address.
    """
    import uvicorn

    from winback.web.app import create_app

    with errors(), obj.app() as app:
        click.echo(f"winback serving on http://{host}:{port} (Ctrl+C to stop)", err=True)
        uvicorn.run(create_app(app), host=host, port=port, log_level="info", access_log=False)
