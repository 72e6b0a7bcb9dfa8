"""Background jobs: declared once by the app that owns the work, run on Celery when configured, inline when not.

    @jobs.job("reports.export")
    def build_export(export_id: int) -> None: ...

    jobs.enqueue("reports.export", export.pk)

    @jobs.periodic("ledger.due_notices", cron="0 8 * * *")
    def due_notices() -> str: ...

Guarantees:
- `enqueue` never runs the job before the caller's transaction commits (`transaction.on_commit`, as side
  effects do in core.notify), so the job sees what the request wrote, and a rolled-back request enqueues
  nothing. Arguments must be JSON (ids, ISO dates, short strings): they cross a process boundary.
- With `TONGXIN_CELERY_BROKER_URL` set, the job is sent to Redis and a Celery worker (`celery -A tongxin
  worker`) runs it; `celery -A tongxin beat` runs the periodic jobs on their cron schedule (Beijing time).
  Without it, the job runs inline in the caller's process once the transaction commits (an error is logged,
  never raised into the request), and the periodic jobs are run by the management commands from cron,
  which call the same functions.
- A job is found by its name in every process: each app declares its jobs in `<app>/jobs.py`, imported
  when Django starts (`autodiscover`), so a worker knows the same names the web process sends.

This module imports no app of ours; Celery is imported only when a broker is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)
TASK_NAME = "tongxin.job"  # the one Celery task: it runs a registered job by name
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[..., Any]
    cron: str = ""  # "minute hour day month weekday" in Beijing time, for periodic jobs


_JOBS: dict[str, Job] = {}
_app: Celery | None = None
_app_broker = ""


def job(name: str) -> Callable[[F], F]:
    """Register the decorated function as the job `name` (unique across the project)."""
    return _register(name, "")


def periodic(name: str, *, cron: str) -> Callable[[F], F]:
    """A job that Celery beat runs on `cron` ("*/5 * * * *": minute hour day-of-month month day-of-week)."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"cron for {name!r} needs five fields, not {cron!r}")
    return _register(name, cron)


def _register(name: str, cron: str) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        known = _JOBS.get(name)
        if known is not None and known.func is not func and known.func.__qualname__ != func.__qualname__:
            raise ValueError(f"job {name!r} is declared twice")
        _JOBS[name] = Job(name, func, cron)
        return func

    return decorate


def registered() -> dict[str, Job]:
    """Every declared job by name (after `autodiscover`)."""
    return dict(_JOBS)


def autodiscover() -> None:
    """Import `jobs` of every installed app, so their jobs are registered (called by core's AppConfig.ready)."""
    autodiscover_modules("jobs")


def uses_celery() -> bool:
    """Whether jobs go to Celery workers (a broker is configured) rather than run inline."""
    return bool(getattr(settings, "TONGXIN_CELERY_BROKER_URL", ""))


def enqueue(name: str, *args: Any, **kwargs: Any) -> None:
    """Run the job `name` with JSON-able arguments after the current transaction commits: on a Celery
    worker when a broker is configured, else inline in this process."""
    if name not in _JOBS:
        raise ValueError(f"unregistered job: {name!r}")
    if uses_celery():
        transaction.on_commit(lambda: _send(name, list(args), dict(kwargs)))
    else:
        transaction.on_commit(lambda: run(name, *args, **kwargs), robust=True)


def _send(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    celery_app().send_task(TASK_NAME, args=[name, args, kwargs], queue=settings.TONGXIN_CELERY_QUEUE)


def run(name: str, *args: Any, **kwargs: Any) -> Any:
    """Run the job `name` here and now, logged; what the Celery task and the inline path both call."""
    found = _JOBS.get(name)
    if found is None:
        raise ValueError(f"unregistered job: {name!r}")
    log.info("job %s started", name)
    try:
        result = found.func(*args, **kwargs)
    except Exception:
        log.exception("job %s failed", name)
        raise
    log.info("job %s done: %s", name, result if isinstance(result, (str, int)) else "ok")
    return result


def _crontab(cron: str) -> Any:
    from celery.schedules import crontab

    minute, hour, day_of_month, month_of_year, day_of_week = cron.split()
    return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                   day_of_week=day_of_week)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The Celery beat schedule: one entry per periodic job, sending the one task with the job's name."""
    return {j.name: {"task": TASK_NAME, "schedule": _crontab(j.cron), "args": [j.name, [], {}],
                     "options": {"queue": settings.TONGXIN_CELERY_QUEUE}}
            for j in sorted(_JOBS.values(), key=lambda j: j.name) if j.cron}


def celery_app() -> Celery:
    """The Celery application for the configured broker (made once per process and broker address)."""
    global _app, _app_broker
    broker = settings.TONGXIN_CELERY_BROKER_URL
    if not broker:
        raise RuntimeError("TONGXIN_CELERY_BROKER_URL is not set: jobs run inline")
    if _app is not None and _app_broker == broker:
        return _app
    from celery import Celery

    app = Celery("tongxin", broker=broker, set_as_current=False)
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_ignore_result=True,  # a job records its outcome in the database (an export's state, a notice)
        task_acks_late=True, task_reject_on_worker_lost=True,  # a killed worker's job is run again
        worker_prefetch_multiplier=1,  # long exports do not hold short jobs back
        task_default_queue=settings.TONGXIN_CELERY_QUEUE,
        broker_connection_retry_on_startup=True,
        timezone=settings.TIME_ZONE, enable_utc=True,
        worker_hijack_root_logger=False,
        beat_schedule=beat_schedule(),
    )

    @app.task(name=TASK_NAME)
    def run_job(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        close_old_connections()  # as a request does: a worker lives longer than CONN_MAX_AGE
        try:
            run(name, *args, **kwargs)
        finally:
            close_old_connections()

    _app, _app_broker = app, broker
    return app
