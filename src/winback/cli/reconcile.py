"""``winback reconcile`` (catch up on lost webhooks) and ``winback webhooks`` (the inbox)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from winback.cli.base import Context, cli, errors, print_json


@cli.command("reconcile")
@click.option("--source", type=click.Choice(["woocommerce", "shopify"]), required=True,
              help="Whose API to re-read.")  # fmt: skip
@click.option("--since", "since", required=True, metavar="DATETIME",
              help="Re-read orders modified since then (ISO 8601; without an offset, in the "
                   "store's time zone).")  # fmt: skip
@click.option("--store", "store", help="Store name (default: [store] name in the settings).")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_obj
def reconcile_command(
    obj: Context, source: str, since: str, store: str | None, as_json: bool
) -> None:
    """Re-read a source's orders over its API and apply them like webhooks.

    WooCommerce never retries a failed webhook delivery: run this for the window an outage
    covered (or nightly for the last day). Needs web.woocommerce.url and its REST API key,
    or web.shopify.shop and an Admin API access token (docs/webhooks.md).
    """
    from winback.services import reconcile
    from winback.services.stores import find_store

    with errors(), obj.app() as app:
        zone = ZoneInfo(find_store(app, store).timezone)
        start = _moment(since, zone)
        done = reconcile.reconcile(app, source=source, since=start, store=store)  # type: ignore[arg-type]
    if as_json:
        print_json(done.to_dict())
        return
    click.echo(
        f"{done.store}: {done.orders_read} orders read from {source} since {start.isoformat()}, "
        f"{done.new_snapshots} new; {done.applied.events} events applied, "
        f"{done.applied.rejected} rejected"
    )


@cli.group("webhooks", invoke_without_command=True)
@click.option("--store", "store", help="Store name (default: [store] name in the settings).")
@click.option("--json", "as_json", is_flag=True, help="Print the inbox as JSON.")
@click.pass_context
def webhooks_group(ctx: click.Context, store: str | None, as_json: bool) -> None:
    """The webhook inbox: events per state and the latest rejected ones."""
    if ctx.invoked_subcommand is not None:
        return
    from winback.services import browse
    from winback.services.stores import find_store

    obj: Context = ctx.obj
    with errors(), obj.app() as app:
        status = browse.inbox_status(app, find_store(app, store).name)
    if as_json:
        print_json(status)
        return
    table = Table("state", "events")
    for state, count in sorted(status["counts"].items()):
        table.add_row(state, str(count))
    Console().print(table)
    for event in status["rejected"]:
        click.echo(
            f"rejected: #{event['id']} {event['source']} {event['topic']} {event['resource_id']}"
        )


@webhooks_group.command("apply")
@click.pass_obj
def apply_command(obj: Context) -> None:
    """Apply the pending events now (winback serve does it in the background)."""
    from winback.services import webhooks

    with errors(), obj.app() as app:
        done = webhooks.apply_pending(app)
    click.echo(f"{done.events} events applied to {done.resources} orders/customers/carts, "
               f"{done.rejected} rejected")  # fmt: skip


def _moment(text: str, zone: ZoneInfo) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"not a date and time: {text!r} (e.g. 2025-03-01T08:00)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
