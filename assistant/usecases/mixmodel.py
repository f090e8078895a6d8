"""The workspace's marketing-mix model: fitted in the background after its facts change, never in
a chat turn.

The server fits in a separate process (one at a time per worker; a fit is CPU work that would
otherwise hold up other requests), claimed through the database so that of several workers one
fits each new state of the facts; progress is written as it goes, for the data page and
`planner model status`. The CLI fits in the foreground when it needs a model and has none.
Until a fit of the current facts exists, budget answers use the newest older fit and say so, or,
without any, last year's shares as the baseline.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from threading import Lock
from typing import TYPE_CHECKING

import pandas as pd

from assistant.mix_store import FitStatus, Fitted, MixStore, facts_digest
from tools.errors import DataError
from tools.mmm import Progress, fit_mix_model

if TYPE_CHECKING:
    from assistant.kpi_store import KpiStore
    from assistant.services import Services

log = logging.getLogger(__name__)
_pool: ProcessPoolExecutor | None = None
_pending: dict[tuple[str, str], Future[None] | None] = {}  # the fits this process started or saw settled
_lock = Lock()


def fit_facts(facts: pd.DataFrame, *, draws: int | None = None, progress: Progress | None = None) -> Fitted:
    """Fit the revenue model, and the conversions model where the facts have conversions."""
    kwargs = {} if draws is None else {"draws": draws}
    has_conversions = "conversions" in set(facts["metric"])
    share = 0.5 if has_conversions else 1.0

    def part(offset: float) -> Progress | None:
        if progress is None:
            return None
        return lambda f, m: progress(offset + share * f, m)

    revenue = fit_mix_model(facts, metric="revenue", progress=part(0.0), **kwargs)
    conversions = None
    if has_conversions:
        try:
            conversions = fit_mix_model(facts, metric="conversions", progress=part(0.5), **kwargs)
        except DataError:
            conversions = None
    return Fitted(revenue=revenue, conversions=conversions, facts_digest=facts_digest(facts))


def fit_workspace(services: Services, workspace: str, *, progress: Progress | None = None) -> FitStatus:
    """Fit the workspace's current facts now (unless a fit of them is ready or running elsewhere)."""
    return _fit(services.mixes, services.kpis, workspace, services.settings.mix_draws, progress)


def _fit(
    store: MixStore, kpis: KpiStore, workspace: str, draws: int, progress: Progress | None = None
) -> FitStatus:
    data = kpis.load(workspace)
    digest = data.facts_digest
    fit_id = store.claim(workspace, digest, data.version)
    if fit_id is not None:
        started = time.perf_counter()
        last = [0.0]

        def report(fraction: float, message: str) -> None:
            if progress:
                progress(fraction, message)
            if time.perf_counter() - last[0] > 0.5 or fraction >= 1:  # a row update twice a second at most
                last[0] = time.perf_counter()
                store.progress(fit_id, fraction, message)

        try:
            fitted = fit_facts(data.facts, draws=draws, progress=report)
        except DataError as e:
            store.fail(fit_id, str(e))
        except Exception as e:  # a fit that crashes is recorded, not retried in a loop
            log.exception("mix model fit failed for %s", workspace)
            store.fail(fit_id, f"{type(e).__name__}: {e}")
        else:
            fitted = fitted.model_copy(update={"data_version": data.version})
            store.finish(fit_id, fitted, time.perf_counter() - started)
    return store.status(workspace, digest)


def _job(db_url: str, workspace: str, draws: int) -> None:
    """The background fit, in its own process: its own database connections."""
    from assistant.db import session_factory
    from assistant.kpi_store import KpiStore

    sessions = session_factory(db_url)
    _fit(MixStore(sessions), KpiStore(sessions), workspace, draws)


def schedule(services: Services, workspace: str, digest: str) -> bool:
    """Start a background fit of the workspace's facts if none is ready or running; True if one
    was started by this call."""
    if not services.settings.mix_background:
        return False
    key = (workspace, digest)
    if key in _pending:  # this process started it (or found it settled): the database need not say
        return False
    state = services.mixes.status(workspace, digest).state
    if state in ("ready", "failed"):  # settled for these facts: no need to ask the database again
        _pending[key] = None
    if state in ("ready", "running", "failed"):  # running: another worker's (its lease lapses if it dies)
        return False
    global _pool
    with _lock:
        if key in _pending:
            return False
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        _pending[key] = _pool.submit(_job, services.settings.db_url, workspace, services.settings.mix_draws)
    return True


def refresh(services: Services, workspace: str) -> bool:
    """After the workspace's facts changed: start the fit of the new facts in the background."""
    data = services.kpis.load(workspace)
    return not data.facts.empty and schedule(services, workspace, data.facts_digest)


def shutdown() -> None:
    """Stop the background fits (the server's shutdown): a running fit's lease lapses and the next
    server takes it over."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        _pending.clear()


def status(services: Services, workspace: str) -> FitStatus:
    data = services.kpis.load(workspace)
    return services.mixes.status(workspace, data.facts_digest)
