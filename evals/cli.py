"""The `planner eval` command, plugged into the CLI through the `planner.commands` entry point (as
`llm` plugins register commands), so the application never imports the evals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tools.errors import InvalidArgument


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_)


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

    from assistant.cli import ensure_index, services_from_settings
    from evals import cassettes
    from evals.runner import SUITES, THRESHOLDS, run_suites, write_reports

    services = services_from_settings()
    ensure_index(services)
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
                raise InvalidArgument("--record needs an LLM: set PLANNER_LLM_BASE_URL / PLANNER_LLM_API_KEY")
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
    with context:
        results = run_suites(
            services,
            suites or [name for name in SUITES if name != "judge" or services.engine == "llm"],
            thresholds_path=thresholds or THRESHOLDS,
        )
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
