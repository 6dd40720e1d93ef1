"""The `babelfeed` command."""

from __future__ import annotations

import functools
import importlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.table import Table

from babelfeed import models
from babelfeed.errors import EXIT_INTERRUPTED, EXIT_PROBLEMS, debugging, explain
from babelfeed.sources.files import SourceNotFoundError, require_existing
from babelfeed_flows import exit_without_final_collection

# babelfeed is built for air-gapped workers: Prefect's server must not try to phone home.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

exit_without_final_collection()  # first registered: runs after Prefect's exit handlers

app = typer.Typer(
    help="Multilingual news in, English-aligned Parquet tables out.", no_args_is_help=True,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="List and install argos translation packages.", no_args_is_help=True)
app.add_typer(models_app, name="models")
server_app = typer.Typer(
    help="The local Prefect server babelfeed starts for this PREFECT_HOME when PREFECT_API_URL is not set.",
    no_args_is_help=True,
)
app.add_typer(server_app, name="server")
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of a failure (also BABELFEED_DEBUG=1)")] = False,
) -> None:
    if debug:
        os.environ["BABELFEED_DEBUG"] = "1"  # worker processes inherit it


def _one_line(command: Callable) -> Callable:
    """Every failure of `command` as one line and an exit code (see the README); the
    traceback only with --debug. An error babelfeed does not recognise is a bug: it says so."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        pressed, previous = _note_ctrl_c()
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            if debugging():
                raise
            _fail(INTERRUPTED, EXIT_INTERRUPTED)
        except Exception as exc:
            if debugging():
                raise
            if pressed:  # Ctrl-C, whatever a library made of the KeyboardInterrupt it raised
                _fail(INTERRUPTED, EXIT_INTERRUPTED)
            known = explain(exc, where=kwargs.get("warehouse") or os.environ.get("BABELFEED_WAREHOUSE", "warehouse"))
            if known is not None:
                _fail(str(known), known.exit_code)
            first = (str(exc).strip().splitlines() or [""])[0]
            _fail(f"unexpected {type(exc).__name__}: {first} (a babelfeed bug: run it again with --debug "
                  "for the traceback and report it)", EXIT_PROBLEMS)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    return run


INTERRUPTED = "interrupted; what was committed stays, the next run goes on from there"


def _note_ctrl_c() -> tuple[list[int], object]:
    """Note a Ctrl-C as it arrives, then raise KeyboardInterrupt as Python does: a library may
    wrap that exception in one of its own (pydantic's serializer does, mid-flow), and the
    user still pressed Ctrl-C. Returns the notes and the handler to put back (None where
    signals cannot be handled: not the main thread)."""
    pressed: list[int] = []

    def handler(signum, frame):
        pressed.append(signum)
        signal.default_int_handler(signum, frame)

    if threading.current_thread() is not threading.main_thread():
        return pressed, None
    return pressed, signal.signal(signal.SIGINT, handler)


Paths = Annotated[
    list[str] | None,
    typer.Argument(help="Files, folders (.txt .html .warc[.gz] .jsonl[.gz]) and http(s) URLs (default: seeds/)"),
]
UrlsOpt = Annotated[Path | None, typer.Option("--urls", help="A file of URLs to fetch, one per line (# comments)")]
FeedOpt = Annotated[list[str] | None, typer.Option("--feed", help="An RSS/Atom feed URL; repeat for several")]
SitemapOpt = Annotated[
    list[str] | None,
    typer.Option("--sitemap", help="A sitemap or sitemap index URL (news sitemaps too, .xml.gz too); repeat for several"),
]
SiteOpt = Annotated[
    list[str] | None,
    typer.Option("--site", help="A site's homepage: its feeds and sitemaps are found and read; repeat for several"),
]
SinceOpt = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="Skip feed and sitemap items dated before this day (YYYY-MM-DD)"),
]
WarehouseOpt = Annotated[str | None, typer.Option(help="Output folder (default: BABELFEED_WAREHOUSE or warehouse/)")]
BatchOpt = Annotated[int | None, typer.Option(help="Inputs per Prefect task (default: BABELFEED_BATCH_SIZE)")]
DaskOpt = Annotated[
    str | None,
    typer.Option(help="Run tasks on a Dask cluster: a scheduler address, or `local` for a LocalCluster "
                 "(default: BABELFEED_DASK_ADDRESS; unset: threads)"),
]


def _use_dask(address: str | None) -> None:
    """The flows pick their task runner when imported: set the address before that."""
    if address:
        os.environ["BABELFEED_DASK_ADDRESS"] = address


def _check_paths(
    paths: list[str] | None, urls_file: Path | None = None, feeds: list[str] | None = None,
    sitemaps: list[str] | None = None, sites: list[str] | None = None,
) -> list[str] | None:
    """Fail fast on a missing path or a bad URL list, before a Prefect server starts."""
    from babelfeed.sources import is_url

    names = list(paths or [])
    if urls_file is not None:
        if not urls_file.is_file():
            _fail(f"--urls {urls_file}: expected a file of URLs, one per line")
        lines = [line.strip() for line in urls_file.read_text(encoding="utf-8").splitlines()]
        listed = [line for line in lines if line and not line.startswith("#")]
        bad = [line for line in listed if not is_url(line)]
        if bad:
            _fail(f"--urls {urls_file}: not http(s) URLs: {', '.join(bad[:3])}")
        names += listed
    for option, values in (("--feed", feeds), ("--sitemap", sitemaps), ("--site", sites)):
        for value in values or []:
            if not is_url(value):
                _fail(f"{option} {value!r}: expected an http(s) URL")
    listed = feeds or sitemaps or sites
    try:
        require_existing([n for n in names if not is_url(n)] or ([] if (names or listed) else ["seeds"]))
    except SourceNotFoundError as exc:
        _fail(str(exc))
    return names or None


def _settings(warehouse: str | None):
    """The settings, with --warehouse over BABELFEED_WAREHOUSE (a bad value raises, worded by
    `_one_line`)."""
    from babelfeed.settings import Settings

    return Settings(**({"warehouse": warehouse} if warehouse else {}))


def _check_settings(warehouse: str | None = None) -> None:
    """Before a Prefect server starts: a bad setting, a GPU asked for and absent, or a damaged
    warehouse stops the command in one line (`_one_line` words the errors)."""
    from babelfeed.translate import device_for
    from babelfeed.warehouse.health import RECORD, scan
    from babelfeed.warehouse.repair import refuse
    from babelfeed.warehouse.storage import resolve

    settings = _settings(warehouse)
    device_for(settings)
    refuse(scan(resolve(settings.warehouse), full=False, record=settings.state_path / RECORD))


QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only the summary: no progress or log lines (warnings and errors still)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object")]


def _server_named(port: int) -> bool:
    """Whether the environment names a Prefect server other than the local one (without
    importing Prefect, unless a caller in this process already did)."""
    from babelfeed_flows import localserver

    if localserver.named_elsewhere(port):
        return True
    if "prefect.settings" in sys.modules and not localserver.configured_api_url():
        # a command run from Python, which imported Prefect already: Prefect's own answer
        from prefect.settings import PREFECT_API_URL

        return bool(PREFECT_API_URL.value())
    return False


def _begin_server(quiet: bool):
    """Before Prefect is imported: the local Prefect server found, or starting in the
    background (None when the environment names a server). Its start overlaps the imports.
    PREFECT_API_URL names it from here on, so that every thread and process of the command
    (Prefect's log and event forwarders, the task runner's workers) reports to it."""
    from babelfeed_flows import localserver

    settings = _settings(None)
    if _server_named(settings.server_port):
        return None
    starting = localserver.begin(settings.server_port, settings.server_idle_minutes)
    if starting.started and not quiet:
        err.print(
            f"starting the local Prefect server for PREFECT_HOME={starting.home} on port {starting.port} "
            "(later commands reuse it; `babelfeed server stop` stops it)", highlight=False, soft_wrap=True,
        )
    os.environ["PREFECT_API_URL"] = starting.api_url
    return starting


def _run_flow(module: str, quiet: bool, as_json: bool, **parameters) -> None:
    """Run a flow against the command's Prefect server; print its summary once, on stdout."""
    from babelfeed import lifeline
    from babelfeed.progress import show_bar

    # The workers and helpers this run starts end with the command; the local Prefect server
    # (started below, without the lifeline variable) outlives it for the next command.
    lifeline.hold()
    starting = _begin_server(quiet)
    try:
        flow = getattr(importlib.import_module(f"babelfeed_flows.{module}"), module)
        from babelfeed_flows.api import server_for_command
        from babelfeed_flows.logs import console_for_command, quiet_tracebacks
    except BaseException:
        if starting is not None:
            starting.abandon()
        raise
    with server_for_command(starting):
        quiet_tracebacks(drop=True)  # a failure is the one line `_one_line` prints
        console_for_command(quiet)  # the summary is printed below, not logged to the console
        show_bar.set(not quiet)
        state = flow(**parameters, return_state=True)
        run = state.result()
        from prefect.utilities.urls import url_for

        flow_run_id = str(state.state_details.flow_run_id)
        flow_run_url = url_for("flow-run", obj_id=flow_run_id)
    _print_report(run, flow_run_id, flow_run_url, as_json)


def _print_report(run: dict, flow_run_id: str, flow_run_url: str | None, as_json: bool) -> None:
    from babelfeed.runs import RunReport

    if as_json:
        text = json.dumps({**run, "flow_run_id": flow_run_id, "flow_run_url": flow_run_url}, sort_keys=True)
    else:
        text = "\n".join([*RunReport(**run).lines(), f"Prefect flow run: {flow_run_url or flow_run_id}"])
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # A reader that wanted only the start (`babelfeed ingest -q ... | head -1`) has what it
        # asked for, and the run is committed: no error. Python would try stdout again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@app.command()
@_one_line
def ingest(
    paths: Paths = None,
    urls: UrlsOpt = None,
    feed: FeedOpt = None,
    sitemap: SitemapOpt = None,
    site: SiteOpt = None,
    since: SinceOpt = None,
    warehouse: WarehouseOpt = None,
    batch_size: BatchOpt = None,
    dask_address: DaskOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Ingest new and changed inputs with the Prefect `ingest` flow and print what it wrote."""
    names = _check_paths(paths, urls, feed, sitemap, site)
    _check_settings(warehouse)
    _use_dask(dask_address)
    _run_flow("ingest", quiet, as_json, paths=names, warehouse=warehouse, batch_size=batch_size, feeds=feed or None,
              sitemaps=sitemap or None, sites=site or None, since=since.date() if since else None)


@app.command()
@_one_line
def backfill(
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First observed date (UTC), YYYY-MM-DD")],
    end: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Last observed date (UTC), inclusive")],
    paths: Paths = None,
    warehouse: WarehouseOpt = None,
    retranslate: Annotated[bool, typer.Option(help="Also re-translate stored articles whose translation is missing or from another model version")] = False,
    batch_size: BatchOpt = None,
    dask_address: DaskOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Replay a window of observed dates with the Prefect `backfill` flow."""
    if end < start:
        _fail(f"--end {end:%Y-%m-%d} is before --start {start:%Y-%m-%d}")
    names = _check_paths(paths)
    _check_settings(warehouse)
    _use_dask(dask_address)
    _run_flow(
        "backfill", quiet, as_json, start=start.date(), end=end.date(), paths=names, warehouse=warehouse,
        retranslate=retranslate, batch_size=batch_size,
    )


@app.command()
@_one_line
def serve(
    paths: Paths = None,
    feed: FeedOpt = None,
    sitemap: SitemapOpt = None,
    site: SiteOpt = None,
    warehouse: WarehouseOpt = None,
    cron: Annotated[str | None, typer.Option(help="Cron schedule for ingest (default hourly: '0 * * * *')")] = None,
    interval: Annotated[float | None, typer.Option(help="Run ingest every N seconds instead of on a cron")] = None,
    dask_address: DaskOpt = None,
) -> None:
    """Serve the `ingest` (scheduled) and `backfill` deployments from this process (flow.serve)."""
    if cron and interval:
        _fail("give --cron or --interval, not both")
    if interval is not None and interval <= 0:
        _fail("--interval must be a positive number of seconds")
    names = _check_paths(paths, feeds=feed, sitemaps=sitemap, sites=site)
    _check_settings(warehouse)
    _use_dask(dask_address)
    from babelfeed import lifeline
    from babelfeed.sources import is_url

    lifeline.hold()  # what serving starts (workers, helpers) ends with this process; the local server does not
    starting = _begin_server(quiet=False)
    try:
        from babelfeed_flows.api import server_for_command
        from babelfeed_flows.deployments import serve_all
    except BaseException:
        if starting is not None:
            starting.abandon()
        raise
    with server_for_command(starting):  # the local server stays up while this serves
        serve_all(paths=[p if is_url(p) else str(Path(p).resolve()) for p in names] if names else None,
                  warehouse=str(Path(warehouse).resolve()) if warehouse else None, cron=cron, interval=interval,
                  feeds=feed or None, sitemaps=sitemap or None, sites=site or None)


@app.command()
@_one_line
def stats(warehouse: WarehouseOpt = None, runs: Annotated[int, typer.Option(help="How many recent runs to list")] = 5) -> None:
    """Per-table row counts, languages, statuses, translation flags, boilerplate kept aside and
    duplicates by kind, reject reasons and the last runs (DuckDB)."""
    from babelfeed.stats import collect

    settings, store = _existing_warehouse(warehouse)
    found = collect(store.uri, runs)
    table = Table("table", "rows", title=f"warehouse {settings.warehouse}")
    for name, count in found.rows.items():
        table.add_row(name, str(count))
    console.print(table)
    counted = {"reject reason": "rejects", "translation flag": "sentences", "boilerplate kept aside": "paragraphs",
               "duplicate kind": "copies"}
    for title, pairs in (
        ("language", found.languages), ("translation_status", found.statuses),
        ("translation flag", found.translation_flags), ("boilerplate kept aside", found.boilerplate),
        ("duplicate kind", found.duplicates), ("reject reason", found.reject_reasons),
    ):
        if pairs:
            t = Table(title, counted.get(title, "articles"))
            for key, count in pairs:
                t.add_row(str(key), str(count))
            console.print(t)
    if found.last_runs:
        t = Table("run_id", "flow", "status", "started", "new", "updated", "unchanged",
                  "rejected", "translated", "model_missing", title="last runs")
        for row in found.last_runs:
            t.add_row(*(str(v) for v in row))
        console.print(t)


def _existing_warehouse(warehouse: str | None):
    """The settings for a command that reads a warehouse which must already exist."""
    from babelfeed.warehouse.storage import resolve

    settings = _settings(warehouse)
    store = resolve(settings.warehouse)
    if store.is_local and not Path(store.root).is_dir():
        _fail(f"{settings.warehouse} is not a warehouse folder: run `babelfeed ingest` first or pass --warehouse")
    return settings, store


@app.command()
@_one_line
def check(
    warehouse: WarehouseOpt = None,
    quick: Annotated[bool, typer.Option(help="Footers and metadata of every file only, not every page (a run checks those of the files changed since the last)")] = False,
) -> None:
    """Verify every table file (footer, schema version, column types, pages and rows), the
    ledger and the state databases. Exit 0 when healthy, 1 with one line per problem."""
    from babelfeed.warehouse.health import scan

    settings, store = _existing_warehouse(warehouse)
    problems = scan(store, settings.state_path, full=not quick)
    for problem in problems:
        console.print(problem.line(), highlight=False, soft_wrap=True)
    if problems:
        err.print(f"{len(problems)} problem(s): run `babelfeed repair"
                  f"{' --warehouse ' + warehouse if warehouse else ''}` to move damaged files aside and heal",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_PROBLEMS)
    console.print(f"warehouse {settings.warehouse} is healthy", highlight=False)


@app.command()
@_one_line
def repair(warehouse: WarehouseOpt = None) -> None:
    """Move damaged files to <warehouse>/_quarantine/<time>/ (never deleting), rebuild a damaged
    ledger from the tables, and make the next ingest read again the sources whose rows were
    lost; prints them, and the sources lost for good because they no longer exist."""
    from babelfeed.warehouse.repair import repair as repair_warehouse

    settings, _ = _existing_warehouse(warehouse)
    for line in repair_warehouse(settings).lines():
        console.print(line, highlight=False, soft_wrap=True)


@server_app.command("start")
@_one_line
def server_start() -> None:
    """Start the local Prefect server in the background (or find it running) and print its URL."""
    from babelfeed_flows import localserver

    settings = _settings(None)
    named = localserver.named_elsewhere(settings.server_port)
    if named:
        _fail(f"PREFECT_API_URL names another server ({named}): babelfeed uses that one and starts none; "
              "unset PREFECT_API_URL to use a local server")
    starting = localserver.begin(settings.server_port, settings.server_idle_minutes)
    if starting.started:
        err.print(f"starting the local Prefect server for PREFECT_HOME={starting.home} on port {starting.port}",
                  highlight=False, soft_wrap=True)
    _print_server(starting.wait(), "running")


@server_app.command("stop")
@_one_line
def server_stop() -> None:
    """Stop the local Prefect server of this PREFECT_HOME (its run history stays in PREFECT_HOME)."""
    from babelfeed_flows import localserver

    stopped = localserver.stop()
    if stopped is None:
        console.print(f"no babelfeed Prefect server is running for PREFECT_HOME={localserver.prefect_home()}",
                      highlight=False, soft_wrap=True)
        return
    console.print(f"stopped the Prefect server at {stopped.url} (PREFECT_HOME={stopped.home})",
                  highlight=False, soft_wrap=True)


@server_app.command("status")
@_one_line
def server_status() -> None:
    """Which Prefect server babelfeed uses: the UI's URL, the API's, the process and its idle stop."""
    from babelfeed_flows import localserver

    named = localserver.named_elsewhere(_settings(None).server_port)
    if named:
        answers = "answers" if localserver.healthy(named.rstrip("/")) else "does not answer"
        console.print(f"babelfeed uses the Prefect server PREFECT_API_URL names: {named} ({answers}); "
                      "it starts none of its own", highlight=False, soft_wrap=True)
        return
    found = localserver.status()
    if found is None:
        console.print(f"not running: the next `babelfeed ingest` (or `babelfeed server start`) starts the local "
                      f"Prefect server for PREFECT_HOME={localserver.prefect_home()}", highlight=False, soft_wrap=True)
        return
    _print_server(found, "running")


def _print_server(server, state: str) -> None:
    import time

    idle = (f"stops after {server.idle_minutes:g} idle minute(s)" if server.idle_minutes > 0
            else "never stops by itself")
    up = int(time.time() - server.started_at)
    console.print(
        f"{state}: {server.url}  (UI; API {server.api_url})\n"
        f"PREFECT_HOME={server.home}, pid {server.pid} (server {server.server_pid}), up {up // 60}m{up % 60:02d}s, {idle}",
        highlight=False, soft_wrap=True,
    )


@models_app.command("list")
@_one_line
def models_list() -> None:
    """Show installed translation packages."""
    installed = models.installed()
    if not installed:
        console.print(f"No translation packages in {models.packages_dir()}.")
        console.print("Install one with: babelfeed models install de-en  (or a .argosmodel file)")
        return
    table = Table("from", "to", "version", "model id", "path")
    for m in installed:
        table.add_row(m.from_code, m.to_code, m.version, m.model_id, str(m.path))
    console.print(table)


def _parse_pair(name: str) -> tuple[str, str]:
    """Accept `de-en`, `de_en`, `translate-de_en` and `de` (to English)."""
    core = name.removeprefix("translate-").replace("_", "-")
    parts = core.split("-")
    if len(parts) == 1 and parts[0]:
        return parts[0], models.TARGET_LANGUAGE
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    _fail(f"{name!r} is not a language pair: use a name like de-en or a .argosmodel file")
    raise AssertionError  # unreachable


@models_app.command("install")
@_one_line
def models_install(
    name: Annotated[str, typer.Argument(help="A pair such as de-en, or a path to a .argosmodel file")],
) -> None:
    """Install a package from a file, from BABELFEED_MODEL_DIRS, or from the Argos index."""
    from babelfeed.settings import Settings

    path = Path(name)
    if path.suffix == ".argosmodel" or path.exists():
        if not path.is_file():
            raise models.ModelInstallError(f"{path} does not exist: name an .argosmodel file or a pair such as de-en")
        model = models.install_file(path)
    else:
        from_code, to_code = _parse_pair(name)
        settings = Settings()
        model = models.install_from_dirs(from_code, to_code, settings.model_dir_list) or (
            models.install_from_index(from_code, to_code)
        )
        if model is None:
            raise models.ModelInstallError(
                f"no {from_code}->{to_code} package found in BABELFEED_MODEL_DIRS or the Argos "
                f"package index (offline?). On a connected machine download "
                f"translate-{from_code}_{to_code}.argosmodel, copy it here and run "
                f"`babelfeed models install /path/to/translate-{from_code}_{to_code}.argosmodel`."
            )
    console.print(f"installed {model.model_id} into {model.path}")


if __name__ == "__main__":
    app()
