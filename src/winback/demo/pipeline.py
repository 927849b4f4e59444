"""``winback demo``: simulate a shop, write its real platform exports, import them, summarise,
diagnose, then plan the recovery actions, dispatch what is due and report what came back.

The demo goes through the same public importers a merchant uses: the simulated shop is
written out as a GB18030 Taobao order report and item report (with the real exports'
quirks), its customer-service chats, carts, favourites, reviews and stock as CSV files with
generic mapping files, and a second, smaller store as Shopify CSV exports. Then each file
is imported with :func:`winback.services.import_path` and the store is summarised. The demo
then diagnoses the simulated days (``winback diagnose``), writes the HTML report,
``report.html``, beside the store, plans the recovery (``winback plan``) and lives through the
next day on its own clock (:mod:`winback.demo.next_day`: ``winback dispatch`` every 30
minutes through local SMTP/SMS gateways, simulated buyers' answers, newer exports imported)
before ``winback report recovery``.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import tomli_w
from rich.console import Console

from winback import services
from winback.act.dispatcher import DispatchReport
from winback.app import App
from winback.clock import Clock, FixedClock
from winback.config import load_settings
from winback.demo import narration
from winback.demo.after_sale import AfterSaleBuyers, after_sale_playbooks, print_after_sale
from winback.demo.exports import shopify as shopify_export
from winback.demo.exports import taobao as taobao_export
from winback.demo.exports.extras import write_extras
from winback.demo.gateways import LocalGateways, local_gateways
from winback.demo.history import simulate_history, write_history_reports
from winback.demo.next_day import DAY, TAOBAO_REPORT, DemoStore, NextDay, live_next_day
from winback.demo.responses import assumptions
from winback.demo.simulator import DemoShop, simulate
from winback.errors import WinbackError
from winback.model import Platform
from winback.present import daily_overview as terminal_overview
from winback.present import lifecycle as lifecycle_view
from winback.present import recovery_terminal, terminal
from winback.services import dispatch as dispatch_service
from winback.services import lifecycle, recovery
from winback.services.stores import find_store, store_language

if TYPE_CHECKING:
    from winback.services.diagnosis import Diagnosis

SHOPIFY_STORE = "Qiaoyi Global"
SHOP_LANGUAGE = "zh"
"""The Taobao shop's team reads Chinese; the Shopify store's, English."""
SHOPIFY_LANGUAGE = "en"
DEMO_AGENT_HOURLY_COST = "30"


@dataclass
class DemoResult:
    folder: Path
    shop: DemoShop
    overseas: DemoShop | None = None
    reports: list[services.ImportReport] = field(default_factory=list)
    report: Path | None = None
    plan: recovery.PlanResult | None = None
    dispatched: DispatchReport | None = None
    recovered: recovery.RecoveryReport | None = None
    next_day: NextDay | None = None
    recoveries: dict[str, recovery.RecoveryReport] = field(default_factory=dict)
    gateway_sms: int = 0
    gateway_emails: int = 0


@dataclass(frozen=True)
class ExportFile:
    path: Path
    source: Platform
    store: str
    mapping: Path | None = None


def run_demo(
    folder: Path,
    *,
    seed: int = 2,
    days: int = 60,
    orders: int | None = None,
    console: Console | None = None,
    clock: Clock,
) -> DemoResult:
    """Build the demo store in ``folder`` (replacing an earlier demo) and print a summary.

    The exports are taken a day before ``clock``'s now and the demo then lives through that
    day, so it ends with a store as of now: the next command a user types (whose clock is
    the real one) sees what the demo printed, nothing in its future."""
    out = console or Console()
    ends = clock.now()
    now = ends - DAY if orders is None else ends  # the moment the exports are taken
    demo_clock = FixedClock(now)  # the demo's own time: it passes in _recover, step by step
    shop = _simulate(out, seed=seed, days=days, orders=orders, now=now)
    _reset(folder)
    _write_settings(folder, shop)
    exports, overseas = _write_exports(
        out, folder / "exports", shop, seed=seed, now=now, history=orders is None
    )
    settings = load_settings(folder / "winback.toml", env={})
    app = App.open(settings, cwd=folder, clock=demo_clock)
    result = DemoResult(folder=folder, shop=shop, overseas=overseas)
    try:
        result.reports = _import_all(app, exports, out)
        languages = {name: store_language(app, name) for name in (shop.name, SHOPIFY_STORE)}
        terminal.print_import_reports(out, result.reports, languages)
        _print_summary(app, out, shop.name, since=_first_day(shop, days))
        if orders is None:  # benchmark-sized runs (--orders) stop at the import
            diagnosis = _diagnose(app, out, days=days, now=now)
            _recover(app, out, demo_clock, result, seed=seed)
            _print_lifecycle(app, out, shop.name, days=days)
            result.report = _write_report(app, out, folder, diagnosis)
    finally:
        app.close()
    out.print(f"\nThe demo store is in [bold]{folder}/winback.db[/]. Next, try:")
    out.print(f"[bold]{_next_commands(folder)}[/]", soft_wrap=True, highlight=False)
    out.print("Open it in your browser (the dashboard, signed in):", highlight=False)
    out.print(f"[bold]{_next_commands(folder, serve=True)}[/]", soft_wrap=True, highlight=False)
    return result


def _next_commands(folder: Path, *, serve: bool = False) -> str:
    """The commands to look at the demo store, with the virtual environment winback runs
    in activated first (the demo's ``winback`` is not on the shell's PATH otherwise)."""
    steps = []
    if sys.prefix != sys.base_prefix:  # running inside a virtual environment
        steps.append(f"source {_shown(Path(sys.prefix) / 'bin' / 'activate')}")
    steps.append(f"cd {_shown(folder)}")
    steps += ["winback serve --open"] if serve else ["winback status", "winback diagnose"]
    return "  " + " && ".join(steps)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _diagnose(app: App, out: Console, *, days: int, now: datetime) -> Diagnosis:
    """The loss diagnosis of the simulated days, printed."""
    from winback.present.diagnosis_terminal import print_diagnosis
    from winback.services.diagnosis import diagnose

    today = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    with out.status("Diagnosing where the demo shop loses orders…"):
        diagnosis = diagnose(
            app,
            date_from=today - timedelta(days=days),
            date_to=today - timedelta(days=1),
            now=now,
        )
    print_diagnosis(out, diagnosis)
    return diagnosis


def _write_report(app: App, out: Console, folder: Path, diagnosis: Diagnosis) -> Path:
    """The HTML report beside the store: the diagnosis and the customer lifecycle section."""
    from winback.present.html_report import write_html
    from winback.present.lifecycle_report import lifecycle_section

    data = lifecycle.lifecycle_section(app, store=diagnosis.store.name)
    section = lifecycle_section(data, language=diagnosis.language)
    report = write_html(diagnosis, folder / "report.html", extra_sections=[section])
    out.print(
        narration.said("html_report", diagnosis.language, store=diagnosis.store.name, path=report)
    )
    return report


def _simulate(out: Console, *, seed: int, days: int, orders: int | None, now: datetime) -> DemoShop:
    tz = ZoneInfo("Asia/Shanghai")
    today = now.astimezone(tz).date()
    start = today - timedelta(days=days)
    with out.status(f"Simulating {days} days of a Taobao shop (seed {seed})…"):
        if orders is None:  # the export is taken now: today's orders so far are in it
            shop = simulate(seed=seed, start=start, days=days + 1, cutoff=now)
        else:
            shop = simulate(seed=seed, start=start, days=days, orders=orders)
    narration.print_simulated(out, shop, start=start, cutoff=shop.cutoff, language=SHOP_LANGUAGE)
    return shop


def _reset(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def _write_settings(folder: Path, shop: DemoShop) -> None:
    """One settings file for both demo stores: the Taobao shop (the default store) and its
    Shopify store abroad, each in its own zone, currency and language."""
    settings = {
        "default_store": shop.name,
        # What an agent's time costs (an assumption of the demo: ¥30 an hour with overheads),
        # so that the recovery report's cost and ROI are not zero for agent tasks.
        "channels": {"costs": {"agent_hourly_cost": DEMO_AGENT_HOURLY_COST}},
        "playbooks": after_sale_playbooks(),  # saves and NPS, on top of the shipped playbooks
        "stores": {
            shop.name: {
                "platform": shop.platform.value,
                "timezone": shop.timezone,
                "currency": shop.currency,
                "language": SHOP_LANGUAGE,
                # the simulated shop is closed by Taobao 72 h after the order (seed 002's era)
                "unpaid_close_after": "72h",
            },
            SHOPIFY_STORE: {
                "platform": Platform.SHOPIFY.value,
                "timezone": "America/New_York",
                "currency": "USD",
                "language": SHOPIFY_LANGUAGE,
                "unpaid_close_after": "72h",
                # where the store's buyers pay an open order (its reminder e-mails link here)
                "pay_url": "https://qiaoyi-global.example.com/account/orders/{order_id}",
                # an agent hour abroad ($20), for the same reason as above
                "channels": {"costs": {"agent_hourly_cost": "20"}},
            },
        },
    }
    (folder / "winback.toml").write_text(tomli_w.dumps(settings), encoding="utf-8")


def _write_exports(
    out: Console, folder: Path, shop: DemoShop, *, seed: int, now: datetime, history: bool
) -> tuple[list[ExportFile], DemoShop]:
    """The exports; ``history``: the members' earlier orders as an older Taobao report,
    imported first (benchmark-sized runs leave it out)."""
    files: list[ExportFile] = []
    if history:
        past = folder / "taobao-history"
        start = min(shop.visitors)
        write_history_reports(
            simulate_history(seed=seed, prior_members=shop.prior_members, start=start), past
        )
        files.append(ExportFile(past, Platform.TAOBAO, shop.name))
    taobao = folder / "taobao"
    taobao.mkdir(parents=True)
    report = TAOBAO_REPORT
    taobao_export.write_order_report(shop.orders, taobao / "ExportOrderList.csv", variant=report)
    taobao_export.write_item_report(
        shop.orders, taobao / "ExportOrderDetailList.csv", variant=report
    )
    files.append(ExportFile(taobao, Platform.TAOBAO, shop.name))
    service = folder / "service"
    service.mkdir()
    for data, mapping in write_extras(shop, service):
        files.append(ExportFile(data, Platform.GENERIC, shop.name, mapping))
    overseas, shopify_files = _write_shopify_store(folder / "shopify", seed=seed, now=now)
    files += shopify_files
    out.print(f"Wrote {len(files)} export locations under {folder}.")
    return files, overseas


def _write_shopify_store(
    folder: Path, *, seed: int, now: datetime
) -> tuple[DemoShop, list[ExportFile]]:
    folder.mkdir()
    today = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    shop = simulate(
        seed=seed + 1000,
        start=today - timedelta(days=30),
        days=31,
        platform=Platform.SHOPIFY,
        orders_per_day=12,
        cutoff=now,
    )
    shopify_export.write_orders_csv(shop.orders, folder / "orders_export.csv")
    shopify_export.write_customers_csv(shop.customers, folder / "customers_export.csv")
    return shop, [ExportFile(folder, Platform.SHOPIFY, SHOPIFY_STORE)]


def _import_all(app: App, exports: list[ExportFile], out: Console) -> list[services.ImportReport]:
    reports: list[services.ImportReport] = []
    with terminal.import_progress(out) as bar:
        for export in exports:
            reports += services.import_path(
                app,
                export.path,
                source=export.source,
                mapping=export.mapping,
                store=export.store,
                progress=bar,
            )
    return reports


def _recover(app: App, out: Console, clock: FixedClock, result: DemoResult, *, seed: int) -> None:
    """Plan the reminders and follow-ups of both stores, let the next day pass (the
    dispatcher sends what falls due through the local gateways, the simulated buyers answer,
    newer exports are imported), and report what the actions recovered against the
    holdout."""
    stores = [DemoStore(result.shop, result.shop.name)]
    if result.overseas is not None:
        stores.append(DemoStore(result.overseas, SHOPIFY_STORE))
    with out.status("Planning payment reminders and closed-order follow-ups…"):
        plans = [recovery.plan(app, store.name) for store in stores]
    for plan in plans:
        recovery_terminal.print_plan(out, plan)
    result.plan = plans[0]
    with local_gateways() as gateways, out.status("The next day passes: dispatching…"):
        sending = App(gateways.apply(app.settings), app.engine, app.cwd, app.clock)

        def channels(app: App) -> dispatch_service.ChannelSet:
            return dispatch_service.default_channels(app, env=gateways.env)

        buyers = AfterSaleBuyers(
            stores, gateways, result.folder / "exports", seed, clock.now() + DAY
        )
        day = live_next_day(
            sending,
            clock,
            stores,
            folder=result.folder / "exports",
            seed=seed,
            channels=buyers.channels(channels),
            after_step=buyers.step,
        )
    result.gateway_sms, result.gateway_emails = len(gateways.sms), len(gateways.emails)
    result.next_day = day
    result.dispatched = day.dispatched
    _print_day(out, app, day, stores, result.shop.timezone, gateways)
    for store in stores:
        report = recovery.recovery_report(app, store.name)
        result.recoveries[store.name] = report
        recovery_terminal.print_recovery(out, report)
        print_after_sale(out, app, buyers, store.name)
    result.recovered = result.recoveries[result.shop.name]
    out.print(
        "Payments from now on are credited to these actions (winback report recovery); "
        "agents work the list with winback tasks."
    )


def _print_day(
    out: Console,
    app: App,
    day: NextDay,
    stores: list[DemoStore],
    timezone: str,
    gateways: LocalGateways,
) -> None:
    """The day as a whole (in English: the demo's clock, its assumptions, the gateways),
    then each store's day in its own language."""
    zone = ZoneInfo(timezone)
    out.print(
        f"The next day passed in {day.steps} steps of 30 min, "
        f"{day.start.astimezone(zone):%m-%d %H:%M} to {day.end.astimezone(zone):%m-%d %H:%M} "
        f"({timezone})."
    )
    out.print(f"[bold]Simulated[/] buyers' responses, not measured data: {assumptions()}.")
    out.print(
        f"The local gateways (SMTP and HTTP on 127.0.0.1) received {len(gateways.sms)} SMS and "
        f"{len(gateways.emails)} e-mails; nothing left this machine."
    )
    outcomes = {
        found.store: found for found in dispatch_service.outcomes_by_store(app, day.dispatched)
    }
    languages = {name: found.language for name, found in outcomes.items()}
    for store in stores:
        narration.print_store_day(out, day, store, outcomes.get(store.name))
    narration.print_gateways(out, gateways, day, stores, languages)
    for (store_name, problem), count in sorted(day.failed.items()):
        lang = languages.get(store_name, "en")
        out.print(narration.said("failed", lang, store=store_name, n=count, problem=problem))


def _first_day(shop: DemoShop, days: int) -> date:
    """The first simulated day in the shop's calendar (the history before it is not shown)."""
    return shop.cutoff.astimezone(ZoneInfo(shop.timezone)).date() - timedelta(days=days)


def _print_summary(app: App, out: Console, store: str, *, since: date) -> None:
    overview = services.daily_overview(app, store, since=since)
    info = find_store(app, store)
    terminal_overview.print_daily_overview(
        out, overview, store=store, currency=info.currency, language=store_language(app, store)
    )
    summaries = services.store_status(app)
    languages = {s.store.name: store_language(app, s.store.name) for s in summaries}
    terminal.print_status(out, summaries, languages)


def _print_lifecycle(app: App, out: Console, store: str, *, days: int) -> None:
    """The lifecycle segments (seed 004) and the top of the win-back list.

    The shop trades for ``days`` days (60 by default), shorter than a fashion shop's churn
    cutoff (a season, 90 days); the members' simulated history of the two years before
    (:mod:`winback.demo.history`) is what lets some of them be lost. When no lost customer
    passes the rules the output says so instead of inventing one.
    """
    segments = lifecycle.customer_lifecycle(app, store=store)
    lang = segments.language
    out.print(narration.said("lifecycle", lang, store=store, days=days))
    lifecycle_view.print_segments(out, segments)
    try:
        report = lifecycle.score_customers(app, store=store)
    except WinbackError as error:
        out.print(narration.said("scores_error", lang, error=error), highlight=False)
        return
    lifecycle_view.print_score_report(out, report, language=lang, currency=segments.currency)
    result = lifecycle.winback_list(app, store=store, limit=5)
    if result.targets:
        lifecycle_view.print_winback_list(out, result)
    else:
        out.print(narration.said("no_targets", lang, days=result.cutoff_days), highlight=False)
