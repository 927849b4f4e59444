"""``winback tokens``: the bearer tokens of the HTTP API and the dashboard."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from winback.cli.base import Context, cli, errors, print_json


@cli.group("tokens")
def tokens_group() -> None:
    """Create, list and revoke the tokens that open the API and the dashboard."""


@tokens_group.command("create")
@click.option("--name", required=True, help="Who or what uses the token (unique).")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="read",
    show_default=True,
    help="read: every GET; write: also record task outcomes and erase buyers.",
)
@click.option("--store", "store", help="Limit the token to this store (default: every store).")
@click.option("--json", "as_json", is_flag=True, help="Print the token as JSON.")
@click.pass_obj
def create_command(obj: Context, name: str, scope: str, store: str | None, as_json: bool) -> None:
    """Create a token and print it once: it cannot be shown again (only its hash is kept)."""
    from winback.services import tokens

    with errors(), obj.app() as app:
        created = tokens.create_token(app, name, scope, store=store)
    if as_json:
        print_json({**created.info.to_dict(), "token": created.token})
        return
    click.echo(created.token)
    where = f"store {store}" if store else "every store"
    click.echo(f"token {name!r} ({scope}, {where}); keep it: it is not shown again", err=True)


@tokens_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
@click.pass_obj
def list_command(obj: Context, as_json: bool) -> None:
    """The tokens, without their secrets."""
    from winback.services import tokens

    with errors(), obj.app() as app:
        found = tokens.list_tokens(app)
    if as_json:
        print_json([token.to_dict() for token in found])
        return
    table = Table("name", "scope", "store", "created", "last used", "state")
    for token in found:
        table.add_row(
            token.name,
            token.scope,
            token.store or "every store",
            f"{token.created_at:%Y-%m-%d %H:%M}",
            f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
            "revoked" if token.revoked else "valid",
        )
    Console().print(table)


@tokens_group.command("revoke")
@click.option("--name", required=True, help="The token to revoke.")
@click.pass_obj
def revoke_command(obj: Context, name: str) -> None:
    """Revoke a token: it stops working at once."""
    from winback.services import tokens

    with errors(), obj.app() as app:
        tokens.revoke_token(app, name)
    click.echo(f"token {name!r} revoked", err=True)
