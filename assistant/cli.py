"""The `planner` command line: a thin shell over the use cases the API calls.

Domain errors (bad input the user can fix) end a command with a one-line message and exit status 2,
never a traceback: `PlannerGroup` handles them for every command. Commands from other packages plug
in through the `planner.commands` entry point (the evals register `planner eval` that way).
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
import logging
import os
import sys
import threading
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from assistant.errors import InvalidArgument, NotFound, PlannerError
from assistant.logs import configure_logging
from assistant.settings import DEMO_WORKSPACE, get_settings

if TYPE_CHECKING:  # the Context TyperGroup.invoke is typed with (typer vendors its click)
    from typer._click.core import Context as ClickContext

log = logging.getLogger("planner.cli")
USAGE_ERROR = 2


class PlannerGroup(TyperGroup):
    """Turns a domain error raised anywhere under the command into `error: …` and exit status 2."""

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except PlannerError as e:
            log.debug("command failed", exc_info=True)
            typer.secho(f"error: {e}", err=True, fg=typer.colors.RED)
            raise typer.Exit(USAGE_ERROR) from None


app = typer.Typer(
    cls=PlannerGroup,
    no_args_is_help=True,
    add_completion=False,
    help="AI planning assistant for marketing and promotion planners.",
)


@app.callback()
def _setup(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log debug messages")] = False,
) -> None:
    configure_logging(logging.DEBUG if verbose else None)


kpi_app = typer.Typer(no_args_is_help=True, help="KPI lookup and diagnosis.")
budget_app = typer.Typer(no_args_is_help=True, help="Budget allocation.")
user_app = typer.Typer(no_args_is_help=True, help="User accounts.")
workspace_app = typer.Typer(no_args_is_help=True, help="Workspaces (departments or companies).")
app.add_typer(kpi_app, name="kpi")
app.add_typer(budget_app, name="budget")
app.add_typer(user_app, name="user")
app.add_typer(workspace_app, name="workspace")
model_app = typer.Typer(no_args_is_help=True, help="The workspace's marketing-mix model.")
app.add_typer(model_app, name="model")


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


def services_from_settings():
    """A CLI process's services: it fits a mix model in the foreground when it needs one (a
    background fit would die with the process), never in the background."""
    from assistant.services import Services

    return Services(get_settings().model_copy(update={"mix_background": False}))


_services = services_from_settings


def ensure_index(services, quiet: bool = True) -> None:
    from assistant.kb.ingest import ingest

    report = ingest(services.index, services.settings.knowledge_dir)
    if report.changed and not quiet:
        typer.echo(
            f"indexed: {len(report.added)} added, {len(report.updated)} updated, {len(report.deleted)} deleted",
            err=True,
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Start the web UI and API."""
    import os

    import uvicorn

    s = get_settings()
    host, port = host or s.host, port or s.port
    services = _services()
    ensure_index(services, quiet=False)
    services.kpis  # noqa: B018 - migrate and load the demo data once, before workers start
    if services.accounts.ensure_first_admin():
        typer.echo("Created the first account: admin (role admin), workspace 'default'.")
    base = s.public_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    typer.echo(f"Planner assistant on {base}  (engine: {s.engine})")
    if not services.accounts.has_password("admin"):  # once a password is set, no link is printed
        typer.echo(
            f"Sign in as admin with this one-time link (valid 24 h):\n    {services.accounts.signin_link('admin', base)}"
        )
        typer.echo("Set a password for later: planner user set-password admin")
    else:
        typer.echo("Sign in with your password (a one-time link: planner user signin-link NAME)")
    os.environ.setdefault("PLANNER_HOST", host)
    os.environ.setdefault("PLANNER_PORT", str(port))
    uvicorn.run("web.app:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="a department's own files or folders (MD, TXT, PDF, DOCX, XLSX)"),
    ] = None,
    type: Annotated[str, typer.Option(help="document type for PATHS: playbook, case or policy")] = "playbook",
    remove: Annotated[bool, typer.Option("--remove", help="remove PATHS from the index")] = False,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild", help="empty the index and index the shipped and uploaded documents again"),
    ] = False,
    workspace: Annotated[
        str, typer.Option(help="index PATHS as this workspace's own documents (default: company knowledge)")
    ] = "",
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Index knowledge/**/*.md incrementally, or add (or --remove) a department's own files."""
    from rich.progress import Progress

    from assistant.kb.ingest import ingest as run_ingest
    from assistant.kb.ingest import ingest_files, remove_files

    services = _services()
    with Progress(transient=True, disable=json_out) as progress:
        task = progress.add_task("indexing", total=None)

        def tick(n: int, total: int, path: str) -> None:
            progress.update(task, completed=n, total=total, description=Path(path).name)

        if paths and remove:
            report = remove_files(services.index, paths)
        elif paths:
            report = ingest_files(services.index, paths, type=type, progress=tick, workspace=workspace)
        else:
            report = run_ingest(
                services.index,
                services.settings.knowledge_dir,
                progress=tick,
                rebuild=rebuild,
                uploads_dir=services.settings.var_dir / "uploads",
            )
    if json_out:
        _print_json(report.as_dict())
        return
    typer.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.deleted)} deleted, {report.unchanged} unchanged; "
        f"{report.chunks_written} chunks written, {report.total_chunks} in the index"
        + (" (re-indexed: embedder changed)" if report.reindexed else "")
    )


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=50)] = 5,
    type: str | None = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search the knowledge base (hybrid dense + BM25)."""
    services = _services()
    ensure_index(services)
    results = [p.as_dict() for p in services.index.search(query, k=k, type=type)]
    if json_out:
        _print_json(results)
        return
    for r in results:
        typer.echo(
            f"{r['score']:.4f}  {r['chunk_id']}  {r['title']} · {r['heading']}\n        {r['text'][:120]}"
        )


@app.command()
def ask(
    question: str,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    conversation: Annotated[str | None, typer.Option(help="continue this conversation")] = None,
    workspace: Annotated[
        str, typer.Option("--workspace", "-w", help="the workspace to ask about")
    ] = DEMO_WORKSPACE,
) -> None:
    """Ask the assistant one question (the same agent loop as the web UI)."""
    from assistant.chat import ChatService

    services = _services()
    ensure_index(services)
    chat = ChatService(services, workspace=workspace)
    chat.check_conversation(conversation)
    result = asyncio.run(chat.ask(question, conversation_id=conversation))
    if json_out:
        _print_json(
            {
                "answer": result.answer,
                "engine": services.engine,
                "model": services.model_name,
                "citations": [
                    {k: c[k] for k in ("n", "doc_id", "title", "chunk_id")} for c in result.citations
                ],
                "tool_calls": result.tool_calls,
                "conversation_id": result.conversation_id,
                "error": result.error,
            }
        )
    else:
        typer.echo(result.answer)
        for c in result.citations:
            typer.echo(f"[{c['n']}] {c['title']} ({c['chunk_id']})")
    if result.error:
        typer.secho(result.error, err=True, fg=typer.colors.RED)
        raise typer.Exit(1)


@app.command("mcp")
def mcp_stdio(
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="the workspace (default: the token user's first)")
    ] = None,
) -> None:
    """Serve the assistant's tools and knowledge over MCP on stdio (Claude Desktop, Cursor, Cherry
    Studio). The caller is the user whose API token is in PLANNER_MCP_TOKEN."""
    import os

    import anyio
    from mcp.server.stdio import stdio_server

    from assistant.mcp_server import build_server, fixed_caller

    token = os.environ.get("PLANNER_MCP_TOKEN", "")
    if not token:
        raise InvalidArgument("set PLANNER_MCP_TOKEN to an API token (planner user token USER)")
    services = _services()
    services.accounts.authenticate(token)  # a wrong token fails here, before the host connects
    ensure_index(services)
    server = build_server(services, fixed_caller(services, token, workspace))

    async def serve_stdio() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(serve_stdio)


Workspace = Annotated[str, typer.Option("--workspace", "-w", help="the workspace whose data to use")]
FactsFile = Annotated[
    Path | None, typer.Option(help="ad-hoc facts file (CSV/XLSX) instead of the workspace's data")
]
TargetsFile = Annotated[Path | None, typer.Option(help="ad-hoc targets file (CSV/XLSX)")]
JsonOut = Annotated[bool, typer.Option("--json", help="print JSON")]


def _context(workspace: str, facts: Path | None = None, targets: Path | None = None, *, model: bool = False):
    """The workspace's context, or one over ad-hoc files (the same use cases run on both); with
    `model`, its mix model fitted first where it has none for the current facts (progress on stderr)."""
    from dataclasses import replace

    from assistant.usecases import mixmodel
    from assistant.usecases.context import from_files, with_targets_file, workspace_context

    if facts is not None:
        ctx = from_files(facts, targets, threshold=get_settings().deviation_threshold)
        if model and not ctx.facts.empty:
            typer.echo("fitting the mix model on the file's facts …", err=True)
            ctx = replace(ctx, mix=_quiet_fit(lambda: mixmodel.fit_facts(ctx.facts)))
        return ctx
    services = _services()
    ctx = workspace_context(services, workspace)
    if model and ctx.mix_state != "ready" and not ctx.facts.empty:
        typer.echo(
            f"fitting the mix model of {workspace!r} (its facts changed since the last fit) …", err=True
        )
        _quiet_fit(lambda: mixmodel.fit_workspace(services, workspace))
        ctx = workspace_context(services, workspace)
    return with_targets_file(ctx, targets) if targets is not None else ctx


def _quiet_fit(fit):
    """Run a fit; a workspace without weekly spend and revenue is answered without a model."""
    from tools.errors import DataError

    try:
        return fit()
    except DataError as e:
        typer.echo(f"no mix model: {e}", err=True)
        return None


@kpi_app.command("import")
def kpi_import(
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV/XLSX in any layout (long or wide; a workbook's sheets are told apart)"),
    ] = None,
    workspace: Workspace = DEMO_WORKSPACE,
    facts: Annotated[Path | None, typer.Option(help="CSV/XLSX of facts (long or wide)")] = None,
    targets: Annotated[Path | None, typer.Option(help="CSV/XLSX of targets (long or wide)")] = None,
    mode: Annotated[
        str,
        typer.Option(
            help="upsert: a stored week takes the new values; replace_periods: also remove what the "
            "file's weeks and periods no longer hold; replace_all: the file becomes the data"
        ),
    ] = "upsert",
    replace: Annotated[bool, typer.Option(help="the same as --mode replace_all")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change; write nothing")] = False,
    json_out: JsonOut = False,
) -> None:
    """Import KPI facts and/or targets into a workspace; a bad file imports nothing, and
    re-importing a week updates it instead of adding it twice."""
    from assistant.usecases import imports, workspace_context

    uploads = [
        imports.Upload(data=_read_file(path), name=path.name, kind=kind)  # type: ignore[arg-type]
        for path, kind in ((file, None), (facts, "facts"), (targets, "targets"))
        if path is not None
    ]
    if not uploads:
        raise InvalidArgument("give a file, --facts, --targets or both")
    services = _services()
    if workspace != DEMO_WORKSPACE and not services.profiles.exists(workspace):
        raise NotFound(f"workspace {workspace!r} does not exist: planner workspace create {workspace}")
    ctx = workspace_context(services, workspace)
    mode = "replace_all" if replace else mode
    weekly = ctx.window is None or ctx.window.frequency == "W"
    if dry_run:
        found = imports.preview(services, ctx, uploads, mode=mode)
        if json_out:
            return _print_json(found.model_dump())
        for problem in found.problems:
            typer.echo(f"problem: {problem['sheet']}: {problem['message']}")
        if found.plan is not None:
            typer.echo(f"would change: {imports.describe(found.plan, 'en', weekly=weekly)}")
        raise typer.Exit(0 if found.ok else USAGE_ERROR)
    result = imports.run_import(services, ctx, uploads, mode=mode, username=f"cli:{_os_user()}")
    services.accounts.audit(
        "data_import",
        username=f"cli:{_os_user()}",
        workspace=workspace,
        target=" + ".join(u.name for u in uploads),
        detail={"version": result.dataset_version, "changes": result.changes},
    )
    out = {
        "workspace": workspace,
        **result.model_dump(),
        "message": imports.describe(result, "en", weekly=weekly),
    }
    _print_json(out) if json_out else typer.echo(
        f"{workspace}: {out['message']} (data set version {result.dataset_version})"
    )


def _read_file(path: Path) -> bytes:
    if not path.exists():
        raise NotFound(f"{path}: file not found")
    return path.read_bytes()


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@kpi_app.command("imports")
def kpi_imports(
    workspace: Workspace = DEMO_WORKSPACE,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    json_out: JsonOut = False,
) -> None:
    """The workspace's imports, target edits and reverts, latest first."""
    from assistant.usecases import imports

    rows = _services().kpis.history(workspace, limit=limit)
    if json_out:
        return _print_json(rows)
    for r in rows:
        state = f"reverted by #{r['reverted_by']}" if r["reverted_by"] else ("" if r["revertible"] else "—")
        summary = imports.describe(_Summary(r), "en") if r.get("changes") else ""
        typer.echo(
            f"#{r['id']:<4} {r['created_at'][:16]}  {r['kind']:<7} {r['source'][:40]:<40}  {summary}  {state}"
        )


class _Summary:
    """A history row read like an import result (`imports.describe`)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.kind: str = row["kind"]
        self.changes: dict[str, dict[str, int]] = row["changes"]
        self.dates: dict[str, list[str]] = row.get("dates") or {"new": [], "changed": []}
        self.periods: dict[str, list[str]] = row.get("periods") or {"new": [], "changed": []}


@kpi_app.command("revert")
def kpi_revert(
    dataset_id: Annotated[int, typer.Argument(help="the import's number (planner kpi imports)")],
    workspace: Workspace = DEMO_WORKSPACE,
    json_out: JsonOut = False,
) -> None:
    """Undo an import or a target edit: the rows it added go, the values it replaced come back."""
    from assistant.usecases import imports

    services = _services()
    result = services.kpis.revert(workspace, dataset_id, username=f"cli:{_os_user()}")
    services.accounts.audit(
        "data_revert",
        username=f"cli:{_os_user()}",
        workspace=workspace,
        target=f"#{dataset_id}",
        detail={"version": result.dataset_version},
    )
    message = imports.describe(result, "en")
    _print_json({**result.model_dump(), "message": message}) if json_out else typer.echo(
        f"reverted #{dataset_id}: {message} (data set version {result.dataset_version})"
    )


@kpi_app.command("targets")
def kpi_targets(
    workspace: Workspace = DEMO_WORKSPACE,
    period: Annotated[
        str | None, typer.Option(help="2026, 2026-Q4 or 2026-11 (shorter periods included)")
    ] = None,
    metric: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option(help='a region; "" for company-wide rows')] = None,
    channel: Annotated[str | None, typer.Option()] = None,
    entered: Annotated[
        bool, typer.Option("--entered", help="only targets entered, not sums of parts")
    ] = False,
    set_value: Annotated[
        float | None, typer.Option("--set", help="set the target of --period/--metric/--region/--channel")
    ] = None,
    delete: Annotated[bool, typer.Option("--delete", help="delete that target")] = False,
    json_out: JsonOut = False,
) -> None:
    """List the workspace's targets (entered ones and the sums of their parts), or set or delete one."""
    from assistant.usecases import imports, workspace_context

    services = _services()
    ctx = workspace_context(services, workspace)
    if set_value is not None or delete:
        if not period or not metric:
            raise InvalidArgument("--set and --delete need --period and --metric")
        key = {"period": period, "metric": metric, "region": region or "", "channel": channel or ""}
        result = imports.edit_targets(
            services,
            ctx,
            upserts=[{**key, "target": set_value}] if set_value is not None else [],
            removals=[key] if delete else [],
            username=f"cli:{_os_user()}",
        )
        services.accounts.audit(
            "targets_edit",
            username=f"cli:{_os_user()}",
            workspace=workspace,
            target=f"#{result.dataset_version}",
            detail={"changes": result.changes["targets"]},
        )
        message = imports.describe(result, "en")
        return _print_json({**result.model_dump(), "message": message}) if json_out else typer.echo(message)
    rows = imports.list_targets(
        ctx, period=period, metric=metric, region=region, channel=channel, derived=not entered, lang="en"
    )
    if json_out:
        return _print_json([r.model_dump() for r in rows])
    basis = {
        "regions": "sum of regions",
        "channels": "sum of channels",
        "months": "sum of months",
        "quarters": "sum of quarters",
    }
    for r in rows:
        scope = " / ".join(x for x in (r.region, r.channel) if x) or "company"
        typer.echo(f"{r.period:<8} {r.metric:<16} {scope:<24} {r.target:>16,.2f}  {basis.get(r.basis, '')}")


@kpi_app.command("lookup")
def kpi_lookup(
    legacy: Annotated[
        list[str] | None, typer.Argument(help="deprecated: METRIC [PERIOD]; use --metric and --period")
    ] = None,
    metric: Annotated[str | None, typer.Option(help="cac, roi, revenue …")] = None,
    period: Annotated[
        str | None, typer.Option(help="2026-09, 2026-Q3 …; default the latest complete month")
    ] = None,
    region: str | None = None,
    channel: str | None = None,
    compare: Annotated[
        str | None, typer.Option(help="target (default), previous, year_earlier, or a number to compare with")
    ] = None,
    workspace: Workspace = DEMO_WORKSPACE,
    facts: FactsFile = None,
    targets: TargetsFile = None,
    json_out: JsonOut = False,
) -> None:
    """A metric for a period and slice, against its target or another base."""
    from assistant.usecases import kpis

    if legacy:
        typer.secho(
            "note: `planner kpi lookup METRIC PERIOD` is deprecated; use --metric and --period", err=True
        )
        metric, period = metric or legacy[0], period or (legacy[1] if len(legacy) > 1 else None)
    if not metric:
        raise InvalidArgument("give --metric (e.g. --metric cac)")
    r = kpis.lookup(
        _context(workspace, facts, targets),
        metric=metric,
        period=period,
        region=region,
        channel=channel,
        compare=kpis.parse_compare(compare),
    )
    if json_out:
        _print_json(r.model_dump())
    else:
        c = r.comparison
        assert c is not None  # a lookup always compares (with the target by default)
        typer.echo(
            f"{r.metric_name} {r.period}{' (partial)' if r.partial else ''}: {r.actual} vs "
            f"{c.kind} {c.period or ''} {c.value} ({c.change_pct}%) {r.status}"
        )


@kpi_app.command("rank")
def kpi_rank(
    metric: Annotated[str, typer.Option(help="cac, roi, revenue …")],
    by: Annotated[str, typer.Option(help="region or channel")] = "region",
    period: Annotated[str | None, typer.Option(help="default the latest complete month")] = None,
    region: Annotated[str | None, typer.Option(help="rank channels inside this region")] = None,
    channel: Annotated[str | None, typer.Option(help="rank regions inside this channel")] = None,
    order: Annotated[str | None, typer.Option(help="desc or asc; default best first")] = None,
    workspace: Workspace = DEMO_WORKSPACE,
    facts: FactsFile = None,
    targets: TargetsFile = None,
    json_out: JsonOut = False,
) -> None:
    """Regions or channels ranked by a metric, with their targets."""
    from assistant.usecases import kpis

    if by not in ("region", "channel") or order not in (None, "desc", "asc"):
        raise InvalidArgument("--by is region or channel; --order is desc or asc")
    k = kpis.rank(
        _context(workspace, facts, targets),
        metric=metric,
        by=by,  # type: ignore[arg-type]
        period=period,
        region=region,
        channel=channel,
        order=order,  # type: ignore[arg-type]
    )
    if json_out:
        _print_json(k.model_dump())
        return
    typer.echo(f"{k.metric_name} {k.period} by {k.by} ({k.order})")
    for i, row in enumerate(k.rows, 1):
        typer.echo(f"  {i}. {row.name:10} {row.actual}  target {row.target}  {row.status}")


@kpi_app.command("diagnose")
def kpi_diagnose(
    metric: Annotated[str, typer.Option(help="cac, roi, revenue …")],
    period: Annotated[str | None, typer.Option(help="default the latest complete quarter")] = None,
    region: Annotated[str | None, typer.Option(help="explain this region (drivers: its channels)")] = None,
    channel: Annotated[str | None, typer.Option(help="explain this channel (drivers: its regions)")] = None,
    workspace: Workspace = DEMO_WORKSPACE,
    facts: FactsFile = None,
    targets: TargetsFile = None,
    top: int = 5,
    lang: str = "zh",
    json_out: JsonOut = False,
) -> None:
    """Why a KPI is off target: drivers by region, channel and region×channel."""
    from assistant.usecases import diagnosis

    d = diagnosis.diagnose(
        _context(workspace, facts, targets),
        metric=metric,
        period=period,
        region=region,
        channel=channel,
        top=top,
        lang=lang,
    )
    if json_out:
        _print_json(d.model_dump())
        return
    typer.echo(d.narrative)
    for x in d.drivers:
        typer.echo(f"  {x.share_of_gap:6.1%}  {x.dimension:15} {x.detail}")


@app.command()
def forecast(
    metric: Annotated[str, typer.Option()],
    data: Annotated[
        Path | None, typer.Option(help="ad-hoc CSV with date, metric, value (region/channel optional)")
    ] = None,
    horizon: int = 12,
    period: Annotated[
        str | None, typer.Option(help="summarise over this period (2027-Q1): its total and interval")
    ] = None,
    region: str | None = None,
    channel: str | None = None,
    model: Annotated[
        str, typer.Option(help="combination (damped ETS, Theta and ARIMA) or ets (one model by AICc)")
    ] = "combination",
    workspace: Workspace = DEMO_WORKSPACE,
    json_out: JsonOut = False,
) -> None:
    """Forecast a metric with intervals, backtest and base/stretch targets."""
    from assistant.usecases import forecasts

    query = forecasts.ForecastQuery(
        metric=metric,
        period=period,
        horizon=horizon,
        region=region,
        channel=channel,
        model=model,  # type: ignore[arg-type]
    )
    result = forecasts.run(_context(workspace, data), query)
    if json_out:
        _print_json(result.model_dump())
        return
    if isinstance(result, forecasts.PeriodForecast):
        total = result
        typer.echo(
            f"{total.metric} {total.period} ({total.aggregate}): {total.value:,.2f} "
            f"[{total.lower:,.2f}, {total.upper:,.2f}] at {total.level:.0%}; "
            f"base {total.base_target:,.2f} (50% chance), stretch {total.stretch_target:,.2f} "
            f"({1 - max(total.stretch_quantile, 1 - total.stretch_quantile):.0%} chance); {total.model}"
        )
        return
    typer.echo(
        f"{result.model}; backtest sMAPE {result.backtest.smape} vs seasonal naive {result.backtest.baseline_smape}"
    )
    for p in result.points:
        typer.echo(f"  {p.date}  {p.forecast:,.2f}  [{p.lower:,.2f}, {p.upper:,.2f}]")
    q = result.targets.stretch_quantile
    typer.echo(
        f"base target {result.targets.base:,.2f} (50% chance), stretch {result.targets.stretch:,.2f} "
        f"({1 - max(q, 1 - q):.0%} chance) for the {result.targets.aggregate} over {horizon} steps"
    )


@budget_app.command("allocate")
def budget_allocate(
    total: Annotated[float | None, typer.Option(help="default: the workspace's annual budget")] = None,
    period: Annotated[
        str | None, typer.Option(help="the period the money is for (2027-Q1, 2026-12 …)")
    ] = None,
    region: str | None = None,
    channel: Annotated[str | None, typer.Option(help="a budget for one channel, split by region")] = None,
    by: Annotated[str, typer.Option(help="channel, or region to also split across regions")] = "channel",
    workspace: Workspace = DEMO_WORKSPACE,
    facts: FactsFile = None,
    targets: TargetsFile = None,
    json_out: JsonOut = False,
) -> None:
    """Allocate a budget: the workspace's structure by category, channels by marginal return on its mix model."""
    from assistant.usecases import budgets

    if by not in ("channel", "region"):
        raise InvalidArgument("--by is channel or region")
    a = budgets.allocate(
        _context(workspace, facts, targets, model=True),
        total=total,
        period=period,
        region=region,
        channel=channel,
        by=by,  # type: ignore[arg-type]
    )
    if json_out:
        _print_json(a.model_dump())
        return
    for c in a.categories:
        typer.echo(f"{c.name_zh:6} {c.amount:>16,.2f}")
    for ch in a.channels:
        typer.echo(f"  {ch.channel:8} {ch.amount:>14,.2f}  ROI {ch.historical_roi}")
    for r in a.reallocations:
        typer.echo(f"  move {r.amount:,.2f} from {r.from_channel} to {r.to_channel}: {r.reason}")
    for share in a.by_region:
        typer.echo(f"  {share['region']:8} {float(share['amount']):>14,.2f}")
    if a.expected_range:
        band = a.expected_range
        typer.echo(f"expected revenue {band.mean:,.0f} (80%: {band.low:,.0f} to {band.high:,.0f})")
    for other in a.comparisons:
        typer.echo(
            f"  vs {other.basis} ({other.label}): {other.gain.mean:+,.0f} (80%: {other.gain.low:+,.0f} to {other.gain.high:+,.0f})"
        )
    typer.echo(f"model: {a.model.state}")


@budget_app.command("scenario")
def budget_scenario(
    action: Annotated[str, typer.Option(help="cut, raise, move, add or set_total")],
    channel: Annotated[str | None, typer.Option(help="the channel changed (for move: the source)")] = None,
    to_channel: Annotated[str | None, typer.Option("--to", help="for move: where the money goes")] = None,
    amount: Annotated[float | None, typer.Option(help="the amount (for set_total: the new total)")] = None,
    share: Annotated[float | None, typer.Option(help="instead of an amount: a share, 0.2 = 20%")] = None,
    period: Annotated[str | None, typer.Option(help="default: the quarter after the data's end")] = None,
    region: str | None = None,
    workspace: Workspace = DEMO_WORKSPACE,
    facts: FactsFile = None,
    targets: TargetsFile = None,
    json_out: JsonOut = False,
) -> None:
    """What-if on a period's budget: the predicted change in revenue, conversions and ROI, with 80% ranges."""
    from assistant.usecases import budgets

    if action not in ("cut", "raise", "move", "add", "set_total"):
        raise InvalidArgument("--action is cut, raise, move, add or set_total")
    change = budgets.Change(action=action, channel=channel, to_channel=to_channel, amount=amount, share=share)  # type: ignore[arg-type]
    s = budgets.scenario(
        _context(workspace, facts, targets, model=True), [change], period=period, region=region
    )
    if json_out:
        _print_json(s.model_dump())
        return
    typer.echo(
        f"{s.period} ({s.weeks} weeks), base {s.base_basis} {s.base_label}: {s.base_total:,.0f} -> {s.new_total:,.0f}"
    )
    for line in s.lines:
        if line.change:
            typer.echo(f"  {line.channel:8} {line.base:>14,.0f} -> {line.new:>14,.0f}")
    rc = s.revenue_change
    if rc:
        typer.echo(
            f"revenue change {rc.mean:+,.0f} (80%: {rc.low:+,.0f} to {rc.high:+,.0f}); ROI {s.roi_base} -> {s.roi_new}"
        )
    for c in s.beyond:
        typer.echo(f"  warning: {c} leaves the spend the model has seen")


@model_app.command("status")
def model_status(workspace: Workspace = DEMO_WORKSPACE, json_out: JsonOut = False) -> None:
    """Where the workspace's mix model stands: ready, running (with progress), stale, failed or none."""
    from assistant.usecases import mixmodel

    st = mixmodel.status(_services(), workspace)
    if json_out:
        _print_json(st.model_dump())
        return
    line = f"{workspace}: {st.state}"
    if st.state == "running":
        line += f" ({(st.progress or 0) * 100:.0f}%: {st.message})"
    if st.fitted_at:
        line += f"; newest fit of data version {st.data_version} at {st.fitted_at} in {st.seconds}s"
    if st.fit_mape is not None:
        line += f", weekly revenue error {st.fit_mape * 100:.1f}%"
    if st.error:
        line += f"; error: {st.error}"
    typer.echo(line)


@model_app.command("fit")
def model_fit(workspace: Workspace = DEMO_WORKSPACE, json_out: JsonOut = False) -> None:
    """Fit the workspace's mix model now (unless a fit of its current facts is ready or running)."""
    from assistant.usecases import mixmodel

    def show(fraction: float, message: str) -> None:
        typer.echo(f"\r{fraction * 100:3.0f}% {message}", nl=False, err=True)

    st = mixmodel.fit_workspace(_services(), workspace, progress=None if json_out else show)
    if not json_out:
        typer.echo("", err=True)
    if json_out:
        _print_json(st.model_dump())
        return
    typer.echo(f"{workspace}: {st.state}" + (f" ({st.error})" if st.error else ""))


@app.command()
def draft(
    kind: Annotated[str, typer.Option(help="section, regional or adjustment")],
    section: Annotated[
        str | None, typer.Option(help="goals, market, strategy, budget, monitoring, responsibilities")
    ] = None,
    scope: Annotated[
        list[str] | None, typer.Option(help="region=…, channel=… or product_line=… (repeatable)")
    ] = None,
    period: Annotated[str | None, typer.Option(help="2027-Q1, 2026-09, 2026 …")] = None,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
    amount: Annotated[float | None, typer.Option(help="budget total for a budget section")] = None,
    workspace: Workspace = DEMO_WORKSPACE,
    out: Annotated[Path | None, typer.Option(help="also write the draft here (.md or .docx)")] = None,
    json_out: JsonOut = False,
) -> None:
    """Draft a plan section, a regional strategy or an adjustment report, and store it for review."""
    from assistant.drafts.export import to_docx, to_markdown
    from assistant.usecases import drafts, workspace_context

    pairs = {}
    for item in scope or []:
        key, sep, value = item.partition("=")
        if not sep or key not in ("region", "channel", "product_line") or not value:
            raise InvalidArgument(f"invalid --scope {item!r}: use region=…, channel=… or product_line=…")
        pairs[key] = value
    services = _services()
    ensure_index(services)
    doc, stored = drafts.create_draft(
        services,
        workspace_context(services, workspace),
        kind=kind,
        section=section,
        scope=pairs,
        period=period,
        lang=lang,
        amount=amount,
    )
    if out is not None:
        out.write_bytes(to_docx(doc) if out.suffix.lower() == ".docx" else to_markdown(doc).encode())
    if json_out:
        keys = ("id", "kind", "title", "markdown", "sections", "citations", "numbers", "audit", "engine")
        _print_json({k: stored[k] for k in (*keys, "model", "state", "version")})
        return
    typer.echo(stored["markdown"])
    audit = stored["audit"] or {}
    typer.echo(
        f"\n(draft {stored['id']}, {audit.get('supported', 0)} of {audit.get('checked', 0)} figures supported)",
        err=True,
    )


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="planner, reviewer or admin")] = "planner",
    workspace: Annotated[list[str] | None, typer.Option(help="workspaces to join (repeatable)")] = None,
    password: Annotated[str | None, typer.Option(help="omit to be asked")] = None,
) -> None:
    """Create a user."""
    services = _services()
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    services.accounts.create_user(username, role=role, password=password, workspaces=workspace or [])
    services.accounts.audit(
        "user_created", username="cli", target=username, detail={"role": role, "workspaces": workspace or []}
    )
    typer.echo(f"created {username} ({role})")


@user_app.command("set-password")
def user_set_password(
    username: str, password: Annotated[str | None, typer.Option(help="omit to be asked")] = None
) -> None:
    """Set or change a user's password."""
    services = _services()
    if password is None:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    revoked = services.accounts.set_password(username, password)
    services.accounts.audit("password_set", username="cli", target=username, detail={"revoked": revoked})
    typer.echo(f"password set for {username}; {revoked} session(s) and token(s) revoked")


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a user: they cannot sign in, and every session and token of theirs is revoked."""
    services = _services()
    revoked = services.accounts.set_active(username, False)
    services.accounts.audit("user_disabled", username="cli", target=username, detail={"revoked": revoked})
    typer.echo(f"{username} disabled; {revoked} session(s) and token(s) revoked")


@user_app.command("enable")
def user_enable(username: str) -> None:
    """Enable a disabled user again."""
    services = _services()
    services.accounts.set_active(username, True)
    services.accounts.audit("user_enabled", username="cli", target=username)
    typer.echo(f"{username} enabled")


@user_app.command("tokens")
def user_tokens(username: Annotated[str | None, typer.Argument(help="omit for everyone's")] = None) -> None:
    """List API tokens (label, created, expires; never their values)."""
    from sqlalchemy import select

    from assistant.db import User

    services = _services()
    uid = None
    if username:
        with services.sessions() as s:
            uid = s.scalar(select(User.id).where(User.username == username))
        if uid is None:
            raise NotFound(f"no user {username!r}")
    for t in services.accounts.tokens(uid):
        typer.echo(
            f"{t['id']:>5}  {t['user']:12} {t['label']:20} created {t['created_at'][:10]}  expires {(t['expires_at'] or '-')[:10]}"
        )


@user_app.command("revoke-token")
def user_revoke_token(token_id: int) -> None:
    """Revoke an API token by its id (see `planner user tokens`)."""
    from assistant.accounts import Principal

    services = _services()
    services.accounts.revoke_token(token_id, by=Principal(id=0, username="cli", role="admin", workspaces=()))
    services.accounts.audit("token_revoked", username="cli", target=str(token_id))
    typer.echo(f"token {token_id} revoked")


@user_app.command("signin-link")
def user_signin_link(username: str) -> None:
    """Print a one-time sign-in link for a user (valid 24 hours)."""
    typer.echo(_services().accounts.signin_link(username, get_settings().base_url()))


@user_app.command("token")
def user_token(username: str, label: str = "script", days: int = 90) -> None:
    """Create an API token for scripts (printed once; expires after DAYS, at most 365)."""
    from sqlalchemy import select

    from assistant.db import User

    services = _services()
    with services.sessions() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    if uid is None:
        raise NotFound(f"no user {username!r}")
    from datetime import timedelta

    typer.echo(services.accounts.issue(uid, "api", label=label, ttl=timedelta(days=max(1, min(days, 365)))))


@workspace_app.command("create")
def workspace_create(
    name: str, member: Annotated[list[str] | None, typer.Option(help="users to add (repeatable)")] = None
) -> None:
    """Create a workspace and optionally add members."""
    services = _services()
    services.accounts.create_workspace(name)
    for username in member or []:
        services.accounts.add_member(username, name)
    services.accounts.audit("workspace_created", username="cli", target=name)
    typer.echo(f"workspace {name} ready")


@workspace_app.command("show")
def workspace_show(name: str, json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A workspace's profile, regions, channels, metrics and data window."""
    from assistant.usecases import workspace_context

    info = workspace_context(_services(), name).describe()
    if json_out:
        _print_json(info)
        return
    profile, window = info["profile"], info["window"] or {}
    budget = profile["annual_budget"]
    typer.echo(f"{name}  {profile['title']}".rstrip())
    typer.echo(f"  annual budget: {f'{budget:,.0f} ' + profile['currency'] if budget else 'not set'}")
    typer.echo(f"  regions: {'、'.join(info['regions']) or '—'}")
    typer.echo(f"  channels: {'、'.join(info['channels']) or '—'}")
    typer.echo(f"  metrics: {', '.join(info['metrics']) or '—'}")
    if window:
        typer.echo(
            f"  data: {window['first']} to {window['covered_until']} ({window['frequency']}); "
            f"latest complete month {window['latest_month']}, quarter {window['latest_quarter']}"
        )
    else:
        typer.echo("  data: none yet (planner kpi import --workspace …)")


@workspace_app.command("set")
def workspace_set(
    name: str,
    title: Annotated[str | None, typer.Option(help="the name planners know it by")] = None,
    annual_budget: Annotated[float | None, typer.Option(help="the year's marketing budget")] = None,
    currency: Annotated[str | None, typer.Option(help="currency unit, e.g. 元")] = None,
    notes: Annotated[str | None, typer.Option(help="fiscal calendar notes")] = None,
) -> None:
    """Edit a workspace's profile (what its data cannot say)."""
    from pydantic import ValidationError

    from assistant.workspaces import ProfileUpdate

    try:
        change = ProfileUpdate(
            title=title, annual_budget=annual_budget, currency=currency, fiscal_notes=notes
        )
    except ValidationError as e:
        raise InvalidArgument("; ".join(f"{err['loc'][0]}: {err['msg']}" for err in e.errors())) from None
    services = _services()
    profile = services.profiles.update(name, change)
    services.accounts.audit(
        "workspace_updated", username="cli", target=name, detail=change.model_dump(exclude_none=True)
    )
    typer.echo(f"workspace {name} updated: annual budget {profile.annual_budget or 'not set'}")


@workspace_app.command("calendar")
def workspace_calendar(
    workspace: Workspace = DEMO_WORKSPACE,
    add: Annotated[
        str | None,
        typer.Option(
            help="add a run of the workspace's own campaign: NAME,START,END (品牌日,2026-08-07,2026-08-09)"
        ),
    ] = None,
    remove: Annotated[
        str | None, typer.Option(help="remove a run of the workspace's own campaign: NAME,START")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The promotion calendar every forecast uses: 618, 双十一, 双十二, 春节 (lunar), 年货节 and
    the workspace's own campaigns; --add records a campaign run, --remove deletes one."""
    from datetime import date

    from pydantic import ValidationError

    from assistant.usecases import calendar
    from assistant.usecases.context import workspace_context
    from tools.policy import PromoEvent

    services = _services()
    ctx = workspace_context(services, workspace)
    if add:
        parts = [p.strip() for p in add.split(",")]
        if len(parts) != 3:
            raise InvalidArgument("--add takes NAME,START,END, e.g. 品牌日,2026-08-07,2026-08-09")
        try:
            event = PromoEvent.model_validate({"name": parts[0], "start": parts[1], "end": parts[2]})
        except ValidationError as e:
            raise InvalidArgument(
                "; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())
            ) from None
        calendar.add_event(services, ctx, event, username="cli")
        ctx = workspace_context(services, workspace)
    if remove:
        name, _, start = (p.strip() for p in remove.partition(","))
        try:
            day = date.fromisoformat(start)
        except ValueError:
            raise InvalidArgument(
                f"--remove takes NAME,START with START a date (2026-08-07), got {remove!r}"
            ) from None
        calendar.remove_event(services, ctx, name, day, username="cli")
        ctx = workspace_context(services, workspace)
    events = calendar.calendar(ctx)
    if as_json:
        typer.echo(json.dumps({"events": events}, ensure_ascii=False, indent=2))
        return
    for row in events:
        typer.echo(f"{row['day']}  {row['name']}{'  (own)' if row['own'] else ''}  week of {row['week']}")


for _plugin in entry_points(group="planner.commands"):
    _plugin.load()(app)


def main() -> None:
    """The `planner` command. When a command is done, its exit handlers run (logs flushed, clients
    closed) and the process ends at once: the interpreter's own teardown of what a command imported
    (LangChain's and Chroma's object graphs) would add 0.3 to 0.8 s of CPU to every call, for
    nothing. A command that leaves a non-daemon thread behind ends the ordinary way.

    The garbage collector's thresholds are raised for the command's life: importing LangChain,
    Chroma and pandas creates some 370k long-lived objects, and at the default thresholds the
    collector walks that growing heap again and again (0.3 to 0.4 s of a cold `planner ask`).
    Young garbage is still collected, in batches of 100k allocations instead of 700."""
    gc.set_threshold(100_000, 50, 50)
    code: int | str | None = 0
    try:
        app()
    except SystemExit as e:
        code = e.code
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a closed pipe (`planner … | head`) or stream
        pass
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    os._exit(code or 0)
