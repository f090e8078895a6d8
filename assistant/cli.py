"""The `planner` command line: a thin shell over the same functions the API uses."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.errors import PlannerError
from assistant.settings import get_settings

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="AI planning assistant for marketing and promotion planners.",
)
kpi_app = typer.Typer(no_args_is_help=True, help="KPI lookup and diagnosis.")
budget_app = typer.Typer(no_args_is_help=True, help="Budget allocation.")
user_app = typer.Typer(no_args_is_help=True, help="User accounts.")
workspace_app = typer.Typer(no_args_is_help=True, help="Workspaces (departments or companies).")
app.add_typer(kpi_app, name="kpi")
app.add_typer(budget_app, name="budget")
app.add_typer(user_app, name="user")
app.add_typer(workspace_app, name="workspace")


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def _services():
    from assistant.services import Services

    return Services(get_settings())


def _ensure_index(services, quiet: bool = True) -> None:
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
    _ensure_index(services, quiet=False)
    services.kpis  # noqa: B018 - migrate and load the demo data once, before workers start
    if services.accounts.ensure_first_admin():
        typer.echo("Created the first account: admin (role admin), workspace 'default'.")
    base = s.public_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    typer.echo(f"Planner assistant on {base}  (engine: {s.engine})")
    typer.echo(
        f"Sign in as admin with this one-time link (valid 24 h):\n    {services.accounts.signin_link('admin', base)}"
    )
    typer.echo("Set a password for later: planner user set-password admin")
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
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Index knowledge/**/*.md incrementally, or add (or --remove) a department's own files."""
    from rich.progress import Progress

    from assistant.kb.ingest import ingest as run_ingest
    from assistant.kb.ingest import ingest_files, remove_files

    services = _services()
    try:
        with Progress(transient=True, disable=json_out) as progress:
            task = progress.add_task("indexing", total=None)

            def tick(n: int, total: int, path: str) -> None:
                progress.update(task, completed=n, total=total, description=Path(path).name)

            if paths and remove:
                report = remove_files(services.index, paths)
            elif paths:
                report = ingest_files(services.index, paths, type=type, progress=tick)
            else:
                report = run_ingest(services.index, services.settings.knowledge_dir, progress=tick)
    except PlannerError as e:
        _fail(str(e))
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
    _ensure_index(services)
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
    question: str, json_out: Annotated[bool, typer.Option("--json")] = False, conversation: str | None = None
) -> None:
    """Ask the assistant one question (the same agent loop as the web UI)."""
    from assistant.chat import ChatService

    services = _services()
    _ensure_index(services)
    result = asyncio.run(ChatService(services).ask(question, conversation_id=conversation))
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


def _kpi_frames(facts: Path | None, targets: Path | None):
    from tools.kpi_data import load_facts, load_targets

    if facts is None:
        data = _services().kpis.load()
        return data.facts, (load_targets(targets) if targets else data.targets)
    return load_facts(facts), (load_targets(targets) if targets else None)


@kpi_app.command("import")
def kpi_import(
    facts: Annotated[Path | None, typer.Option(help="CSV/XLSX: date, region, channel, metric, value")] = None,
    targets: Annotated[
        Path | None, typer.Option(help="CSV/XLSX: period, metric, target, region, channel")
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="replace the workspace's data instead of adding to it")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import KPI facts and/or targets into the database; a bad file imports nothing."""
    from tools.kpi_data import read_table

    if facts is None and targets is None:
        _fail("give --facts, --targets or both")
    try:
        f = read_table(facts) if facts else None
        t = read_table(targets) if targets else None
        source = " + ".join(p.name for p in (facts, targets) if p is not None)
        version = _services().kpis.import_frames(f, t, source=source, replace=replace)
    except PlannerError as e:
        _fail(str(e))
    result = {
        "dataset_version": version,
        "facts": 0 if f is None else len(f),
        "targets": 0 if t is None else len(t),
    }
    _print_json(result) if json_out else typer.echo(
        f"imported {result['facts']} fact rows and {result['targets']} target rows (data set version {version})"
    )


@kpi_app.command("lookup")
def kpi_lookup(
    metric: str,
    period: str,
    region: str | None = None,
    channel: str | None = None,
    facts: Path | None = None,
    targets: Path | None = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Actual vs target for a metric and period."""
    from tools.kpi import kpi_lookup as lookup

    try:
        f, t = _kpi_frames(facts, targets)
        r = lookup(
            f,
            t,
            metric=metric,
            period=period,
            region=region,
            channel=channel,
            threshold=get_settings().deviation_threshold,
        )
    except (PlannerError, KeyError, ValueError) as e:
        _fail(str(e).strip("'\""))
    _print_json(r.model_dump()) if json_out else typer.echo(
        f"{r.metric_name} {r.period}: {r.actual} vs {r.target} ({r.deviation_pct}%) {r.status}"
    )


@kpi_app.command("diagnose")
def kpi_diagnose(
    metric: Annotated[str, typer.Option()],
    period: Annotated[str, typer.Option()],
    facts: Path | None = None,
    targets: Path | None = None,
    top: int = 5,
    lang: str = "zh",
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Why a KPI is off target: drivers by region, channel and region×channel."""
    from tools.diagnosis import kpi_diagnose as diagnose

    try:
        f, t = _kpi_frames(facts, targets)
        d = diagnose(
            f,
            t,
            metric=metric,
            period=period,
            top=top,
            lang=lang,
            threshold=get_settings().deviation_threshold,
        )
    except (PlannerError, KeyError, ValueError) as e:
        _fail(str(e).strip("'\""))
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
        Path | None, typer.Option(help="CSV with date, metric, value (region/channel optional)")
    ] = None,
    horizon: int = 12,
    region: str | None = None,
    channel: str | None = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Forecast a metric with intervals, backtest and base/stretch targets."""
    import pandas as pd

    from tools.forecasting import forecast_series, series_from_facts
    from tools.kpi_data import read_table, validate_facts

    try:
        if data is not None:
            raw = read_table(data)
            for col in ("region", "channel"):
                if col not in raw.columns:
                    raw[col] = ""
            facts = validate_facts(raw, what=data.name)
        else:
            facts = _services().kpis.load().facts
        series = series_from_facts(facts, metric, region=region, channel=channel)
        result = forecast_series(pd.Series(series), metric=metric, horizon=horizon)
    except (PlannerError, KeyError, ValueError) as e:
        _fail(str(e).strip("'\""))
    if json_out:
        _print_json(result.model_dump())
        return
    typer.echo(
        f"{result.model}; backtest sMAPE {result.backtest.smape} vs seasonal naive {result.backtest.baseline_smape}"
    )
    for p in result.points:
        typer.echo(f"  {p.date}  {p.forecast:,.2f}  [{p.lower:,.2f}, {p.upper:,.2f}]")
    typer.echo(f"base target {result.targets.base:,.2f}, stretch {result.targets.stretch:,.2f}")


@budget_app.command("allocate")
def budget_allocate(
    total: Annotated[float, typer.Option()],
    facts: Path | None = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Allocate a budget: 40/30/30 by category, channels by response curves."""
    from tools.budget import budget_allocate as allocate

    try:
        f, _ = _kpi_frames(facts, None)
        a = allocate(total, facts=f)
    except (PlannerError, KeyError, ValueError) as e:
        _fail(str(e).strip("'\""))
    if json_out:
        _print_json(a.model_dump())
        return
    for c in a.categories:
        typer.echo(f"{c.name_zh:6} {c.amount:>16,.2f}")
    for ch in a.channels:
        typer.echo(f"  {ch.channel:8} {ch.amount:>14,.2f}  ROI {ch.historical_roi}")


@app.command("eval")
def eval_(
    suites: Annotated[list[str] | None, typer.Argument(help="suites to run (default: all)")] = None,
    thresholds: Annotated[Path | None, typer.Option(help="thresholds TOML")] = None,
    compare: Annotated[str | None, typer.Option(help="'last': show the change from the previous run")] = None,
    out: Annotated[Path | None, typer.Option(help="report folder (default var/evals)")] = None,
    record: Annotated[
        Path | None, typer.Option(help="record the configured LLM's HTTP exchanges to this cassette")
    ] = None,
    replay: Annotated[Path | None, typer.Option(help="replay a cassette instead of calling an LLM")] = None,
) -> None:
    """Run the evaluation suites; exit 1 when a threshold is missed."""
    import contextlib

    from evals import cassettes
    from evals.runner import SUITES, THRESHOLDS, run_suites, write_reports

    services = _services()
    _ensure_index(services)
    context: contextlib.AbstractContextManager = contextlib.nullcontext()
    tape: list[dict] = []
    if replay is not None or record is not None:
        from langchain_openai import ChatOpenAI

        from assistant.services import Services

        if replay is not None:
            base_url, model = cassettes.meta(replay)
            llm = ChatOpenAI(
                model=model, base_url=base_url, api_key="replay", max_retries=0, disable_streaming=True
            )
            context = cassettes.replay(replay)
        else:
            s = services.settings
            if s.engine != "llm":
                _fail("--record needs an LLM: set PLANNER_LLM_BASE_URL / PLANNER_LLM_API_KEY")
            base_url, model = s.llm_base_url or "https://api.openai.com/v1", s.llm_model
            key = s.llm_api_key.get_secret_value() if s.llm_api_key else "not-needed"
            llm = ChatOpenAI(
                model=model,
                base_url=base_url,
                api_key=key,
                disable_streaming=True,
                http_client=cassettes.recording_client(tape),
            )
        settings = services.settings.model_copy(update={"llm_base_url": base_url, "llm_model": model})
        services = Services(settings, chat_model=llm)
    try:
        with context:
            results = run_suites(
                services,
                suites or [name for name in SUITES if name != "judge" or services.engine == "llm"],
                thresholds_path=thresholds or THRESHOLDS,
            )
    except ValueError as e:
        _fail(str(e))
    if record is not None:
        cassettes.save(tape, record, base_url=base_url, model=model)
        typer.echo(f"recorded {len(tape)} exchanges to {record}", err=True)
    md, previous = write_reports(
        results, out or services.settings.var_dir / "evals", engine=services.engine, model=services.model_name
    )
    typer.echo(md)
    if compare == "last" and previous is None:
        typer.echo("(no previous run to compare with)")
    if any(r.failures for r in results):
        raise typer.Exit(1)


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
    amount: Annotated[float | None, typer.Option(help="budget total in 元 for a budget section")] = None,
    workspace: str = "default",
    out: Annotated[Path | None, typer.Option(help="also write the draft here (.md or .docx)")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Draft a plan section, a regional strategy or an adjustment report, and store it for review."""
    from assistant.drafts.export import to_docx, to_markdown
    from assistant.drafts.revise import make_draft
    from assistant.drafts.store import DraftStore

    pairs = {}
    for item in scope or []:
        key, sep, value = item.partition("=")
        if not sep or key not in ("region", "channel", "product_line") or not value:
            _fail(f"invalid --scope {item!r}: use region=…, channel=… or product_line=…")
        pairs[key] = value
    services = _services()
    _ensure_index(services)
    try:
        doc = make_draft(
            services,
            kind=kind,
            section=section,
            scope=pairs,
            period=period,
            lang=lang,
            amount=amount,
            workspace=workspace,
        )
        stored = DraftStore(services.sessions, services.accounts).create(
            doc, workspace=workspace, author=None
        )
    except (PlannerError, ValueError, KeyError) as e:
        _fail(str(e).strip("'\""))
    if out is not None:
        out.write_bytes(to_docx(doc) if out.suffix.lower() == ".docx" else to_markdown(doc).encode())
    if json_out:
        _print_json(
            {
                k: stored[k]
                for k in (
                    "id",
                    "kind",
                    "title",
                    "markdown",
                    "sections",
                    "citations",
                    "numbers",
                    "audit",
                    "engine",
                    "model",
                    "state",
                    "version",
                )
            }
        )
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
    try:
        services.accounts.create_user(username, role=role, password=password, workspaces=workspace or [])
    except PlannerError as e:
        _fail(str(e))
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
    try:
        services.accounts.set_password(username, password)
    except PlannerError as e:
        _fail(str(e))
    services.accounts.audit("password_set", username="cli", target=username)
    typer.echo(f"password set for {username}")


@user_app.command("signin-link")
def user_signin_link(username: str) -> None:
    """Print a one-time sign-in link for a user (valid 24 hours)."""
    try:
        typer.echo(_services().accounts.signin_link(username, get_settings().base_url()))
    except PlannerError as e:
        _fail(str(e))


@user_app.command("token")
def user_token(username: str, label: str = "script") -> None:
    """Create an API token for scripts (printed once)."""
    from sqlalchemy import select

    from assistant.db import User

    services = _services()
    with services.sessions() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    if uid is None:
        _fail(f"no user {username!r}")
    typer.echo(services.accounts.issue(uid, "api", label=label))


@workspace_app.command("create")
def workspace_create(
    name: str, member: Annotated[list[str] | None, typer.Option(help="users to add (repeatable)")] = None
) -> None:
    """Create a workspace and optionally add members."""
    services = _services()
    try:
        services.accounts.create_workspace(name)
        for username in member or []:
            services.accounts.add_member(username, name)
    except PlannerError as e:
        _fail(str(e))
    services.accounts.audit("workspace_created", username="cli", target=name)
    typer.echo(f"workspace {name} ready")


def main() -> None:  # pragma: no cover
    try:
        app()
    except PlannerError as e:
        typer.secho(f"error: {e}", err=True, fg=typer.colors.RED)
        sys.exit(1)
