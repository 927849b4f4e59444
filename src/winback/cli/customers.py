"""``winback customers``: lifecycle segments, model scores and the win-back list (seed 004).

* ``winback customers [--as-of DATETIME]``: potential / active / repeat-seeking / lost, with
  the churn cutoff used and why;
* ``winback customers score [--as-of DATETIME] [--horizon 90d]``: fit the models, store
  scores;
* ``winback customers top --lost --promising [--limit N]``: lost customers worth winning
  back, each with its reason. Contacts are masked.
"""

from __future__ import annotations

from dataclasses import asdict

import click
from click.core import ParameterSource
from rich.console import Console

from winback.cli.base import AsOf, Context, as_of_option, cli, errors, print_json, store_option
from winback.config import parse_duration


def _horizon(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        days = parse_duration(value).days
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if days < 1:
        raise click.BadParameter(f"{value!r}: the horizon must be at least one day")
    return days


@cli.group(invoke_without_command=True)
@as_of_option
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def customers(ctx: click.Context, as_of: AsOf | None, store: str | None, as_json: bool) -> None:
    """Lifecycle segments: potential, active, repeat-seeking and lost customers (seed 004)."""
    if ctx.invoked_subcommand is not None:
        given = [  # WINBACK_AS_OF / WINBACK_STORE in the environment reach the subcommand too
            name
            for name in ("as_of", "store", "as_json")
            if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
        ]
        if given:
            raise click.UsageError(
                f"put the options after the subcommand: `winback customers "
                f"{ctx.invoked_subcommand} --as-of …`"
            )
        return
    from winback.present import lifecycle as present
    from winback.services import lifecycle as service

    obj: Context = ctx.obj
    with errors(), obj.app(as_of=as_of, store=store) as app:
        result = service.customer_lifecycle(app, store=store)
    if as_json:
        print_json(result.to_dict())
    else:
        present.print_segments(Console(), result)


@customers.command()
@as_of_option
@click.option(
    "--horizon",
    callback=_horizon,
    help="Horizon of the expected purchases and spend, e.g. 90d (default: [lifecycle] horizon).",
)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def score(
    obj: Context, as_of: AsOf | None, horizon: int | None, store: str | None, as_json: bool
) -> None:
    """Fit BG/NBD (or Pareto/NBD) and Gamma-Gamma; store P(alive), expected purchases and
    spend over the horizon, and CLV for every buyer."""
    from winback.present import lifecycle as present
    from winback.services import lifecycle as service
    from winback.services.stores import find_store, store_language

    with errors(), obj.app(as_of=as_of, store=store) as app:
        report = service.score_customers(app, horizon_days=horizon, store=store)
        language = store_language(app, report.store)
        currency = find_store(app, report.store).currency
    if as_json:
        print_json(asdict(report))
    else:
        present.print_score_report(Console(), report, language=language, currency=currency)


@customers.command()
@click.option(
    "--lost/--all",
    "lost_only",
    default=True,
    show_default=True,
    help="Only lost customers, or every buyer.",
)
@click.option(
    "--promising/--any",
    "promising",
    default=True,
    show_default=True,
    help="Only the promising: repeat buyers, high average bill, silent up to 2 years (seed 004).",
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--unmasked",
    is_flag=True,
    help="Show the contacts unmasked: an authorised export, refused unless [privacy] "
    "allow_unmasked_export = true, and logged (without the contacts).",
)
@as_of_option
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def top(
    obj: Context,
    lost_only: bool,
    promising: bool,
    limit: int,
    unmasked: bool,
    as_of: AsOf | None,
    store: str | None,
    as_json: bool,
) -> None:
    """The lost customers most worth winning back, ranked by CLV, each with its reason (the
    scores of the --as-of day, default: the newest scored day)."""
    from winback.present import lifecycle as present
    from winback.services import lifecycle as service

    with errors(), obj.app(as_of=as_of, store=store) as app:
        day = service.today(app, store) if as_of is not None else None
        result = service.winback_list(
            app,
            as_of=day,
            lost_only=lost_only,
            promising=promising,
            limit=limit,
            store=store,
            unmasked=unmasked,
        )
    if unmasked:
        click.echo(
            f"contacts unmasked for {len(result.targets)} customers of {result.store}: an "
            "authorised export ([privacy] allow_unmasked_export), logged to winback.audit",
            err=True,
        )
    if as_json:
        print_json(asdict(result))
    else:
        present.print_winback_list(Console(), result)
