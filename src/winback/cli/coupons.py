"""``winback coupons``: the save coupons, listed or exported for a platform's coupon tool."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from winback.cli.base import AsOf, Context, as_of_option, cli, errors, print_json, store_option

SAVE_REASONS = (
    "changed_mind", "shipping_cost", "slow_delivery", "returns_policy", "payment",
    "forced_account", "found_cheaper", "other",
)  # fmt: skip
"""The reasons of :class:`winback.playbook_settings.offers.SaveReason` (a test checks)."""


@cli.group("coupons")
def coupons_group() -> None:
    """The coupons cancelled-order saves issued: issued, redeemed or expired (docs/offers.md)."""


@coupons_group.command("list")
@store_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the coupons as JSON.")
@click.pass_obj
def list_command(obj: Context, store: str | None, as_of: AsOf | None, as_json: bool) -> None:
    """Each coupon with its state as of the moment (a redemption needs an imported or
    webhooked order carrying the code)."""
    from winback.services import saves

    with errors(), obj.app(as_of=as_of, store=store) as app:
        found = saves.coupons_of(app, store)
    if as_json:
        print_json(found.to_dict())
        return
    table = Table("code", "state", "reason", "value", "min spend", "cost", "expires", "order")
    for item in found.coupons:
        value = f"{item.value:f}%" if item.percent else f"{item.value:f} {item.currency}"
        table.add_row(
            item.code,
            item.state(found.now),
            item.reason,
            value,
            f"{item.min_spend:f}",
            f"{(item.redeemed_cost if item.redeemed_cost is not None else item.cost):f}",
            f"{item.expires_at:%Y-%m-%d}",
            item.redeemed_order_id or "",
        )
    Console().print(table)
    counts = found.counts()
    click.echo(", ".join(f"{n} {state}" for state, n in counts.items()), err=True)


@coupons_group.command("export")
@store_option
@as_of_option
@click.option(
    "--format",
    "form",
    type=click.Choice(["csv", "shopify"]),
    default="csv",
    show_default=True,
    help="csv: one row per code for a coupon tool; shopify: price rules with batches of "
    "codes for POST /admin/api/<version>/price_rules/<id>/batch.json (issued codes only).",
)
@click.pass_obj
def export_command(obj: Context, store: str | None, as_of: AsOf | None, form: str) -> None:
    """Print the coupons for a platform's coupon tool."""
    from winback.act.coupons import coupons_csv, shopify_batches
    from winback.services import saves

    with errors(), obj.app(as_of=as_of, store=store) as app:
        found = saves.coupons_of(app, store)
    if form == "csv":
        click.echo(coupons_csv(found.coupons, found.now), nl=False)
    else:
        click.echo(json.dumps(shopify_batches(found.coupons, found.now), indent=2))


@cli.group("saves")
def saves_group() -> None:
    """Cancelled-order saves: record what a buyer told an agent (docs/offers.md)."""


@saves_group.command("answer")
@store_option
@as_of_option
@click.option("--order", "order_id", required=True, help="The cancelled order.")
@click.option(
    "--reason",
    required=True,
    type=click.Choice(SAVE_REASONS),
    help="Why the buyer cancelled, as they said it.",
)
@click.option("--note", help="The buyer's words (contacts are masked before they are stored).")
@click.option("--playbook", default="cancel_save", show_default=True, help="The save playbook.")
@click.option("--json", "as_json", is_flag=True, help="Print the offer as JSON.")
@click.pass_obj
def answer_command(
    obj: Context,
    store: str | None,
    as_of: AsOf | None,
    order_id: str,
    reason: str,
    note: str | None,
    playbook: str,
    as_json: bool,
) -> None:
    """Record the reason an agent heard (a platform chat task) and make the offer it routes
    to; a coupon's code is printed for the agent to give the buyer."""
    from winback.decide.offers import SaveReason
    from winback.services import saves

    with errors(), obj.app(as_of=as_of, store=store) as app:
        done = saves.answer(app, store, order_id, SaveReason(reason), note, playbook=playbook)
    if as_json:
        print_json(done.to_dict())
        return
    offer = done.offer
    assert offer is not None
    line = f"offer: {offer.kind}"
    if done.coupon is not None:
        line += f" (code {done.coupon.code}, until {done.local(done.coupon.expires_at)})"
    if offer.reorder_by is not None:
        line += f" (re-order by {done.local(offer.reorder_by)})"
    click.echo(line)
    for refused in offer.refused:
        click.echo(f"not offered: {refused.offer} ({refused.why})", err=True)
