"""Large exports as background jobs: a progress page at once, the workbook later, for the one who asked.

An app registers each export it may run in the background with a `build` (the owner and the stored
parameters → the `Workbook` to write: headers and a lazy iterator of rows) and a `check` (raises Http404
when the user may no longer see what the parameters name). `start` records the export and enqueues the
job (core.jobs: on a Celery worker when configured, else inline after commit); `write` is that job.

Guarantees:
- the workbook is written by the one shared writer (core.xlsx.write_xlsx: constant memory, formula text
  neutralised), with its progress saved every PROGRESS_EVERY rows, and stored through Django's default
  storage, so any app server can hand it out;
- it is given only to its owner (the model's scope is its owner: anyone else gets 404), only while the
  owner still covers what it holds (`check` again at download), and only until it expires
  (TONGXIN_EXPORT_KEEP_HOURS); expired files are swept (`sweep`, hourly on Celery beat, and on each start);
- a failed job leaves the export FAILED with its row count, never a half file to download.

Use `is_large(rows)` to decide: at most TONGXIN_EXPORT_BACKGROUND_ROWS rows stay an immediate download.
This module imports no app of ours.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone, translation

from tongxin.core import jobs
from tongxin.core.models import BackgroundExport
from tongxin.core.types import Actor
from tongxin.core.xlsx import write_xlsx

log = logging.getLogger(__name__)
FOLDER = "exports"
PROGRESS_EVERY = 2000
JOB = "core.export"
State = BackgroundExport.State


@dataclass
class Workbook:
    """What to write: `rows` is consumed once, by the job; `options` are write_xlsx's keyword options."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportKind:
    name: str
    build: Callable[[Actor, Mapping[str, Any]], Workbook]
    check: Callable[[Actor, Mapping[str, Any]], None]


_KINDS: dict[str, ExportKind] = {}


def register(name: str, *, build: Callable[[Actor, Mapping[str, Any]], Workbook],
             check: Callable[[Actor, Mapping[str, Any]], None]) -> None:
    """Declare the background export `name` (see the module)."""
    _KINDS[name] = ExportKind(name, build, check)


def is_large(rows: int) -> bool:
    """Whether an export of `rows` rows is written in the background rather than in the request."""
    return rows > settings.TONGXIN_EXPORT_BACKGROUND_ROWS


def start(owner: Actor, kind: str, params: Mapping[str, Any], *, title: str, filename: str,
          rows: int) -> BackgroundExport:
    """Record an export of `kind` for `owner` (about `rows` rows) and enqueue its job; returns it QUEUED.
    `params` must be JSON: the job rebuilds the workbook from them, in the language active now."""
    if kind not in _KINDS:
        raise ValueError(f"unregistered export: {kind!r}")
    sweep(owner=owner)
    now = timezone.now()
    export = BackgroundExport.objects.create(
        token=secrets.token_hex(16), owner=owner,  # type: ignore[misc]  # AUTH_USER_MODEL: core cannot name it
        kind=kind, params=dict(params),
        language=translation.get_language() or settings.LANGUAGE_CODE, title=title[:300], filename=filename[:200],
        rows_total=max(rows, 0), created_at=now,
        expires_at=now + dt.timedelta(hours=settings.TONGXIN_EXPORT_KEEP_HOURS))
    jobs.enqueue(JOB, export.pk)
    return export


def check(export: BackgroundExport, user: Actor) -> None:
    """Raise Http404 unless `user` still covers what `export` holds (its kind's own check)."""
    from django.http import Http404

    kind = _KINDS.get(export.kind)
    if kind is None:
        raise Http404
    kind.check(user, export.params)


def _counted(rows: Iterable[Sequence[Any]], export_id: int) -> Iterator[Sequence[Any]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            BackgroundExport.objects.filter(pk=export_id).update(rows_done=done)


@jobs.job(JOB)
def write(export_id: int) -> str:
    """The job: build the export's workbook as its owner, in its language, store it and mark it DONE
    (FAILED on any error). An export already done or gone is left alone."""
    export = BackgroundExport.objects.select_related("owner").filter(
        pk=export_id, state__in=[State.QUEUED, State.RUNNING]).first()
    if export is None:
        return "nothing to do"
    BackgroundExport.objects.filter(pk=export.pk).update(state=State.RUNNING, rows_done=0)
    try:
        kind = _KINDS[export.kind]
        with translation.override(export.language), tempfile.TemporaryFile(suffix=".xlsx") as spool:
            book = kind.build(export.owner, export.params)
            count = write_xlsx(spool, book.title, book.headers, _counted(book.rows, export.pk), **book.options)
            spool.seek(0)
            path = default_storage.save(f"{FOLDER}/{int(export.owner_id)}/{export.token}.xlsx", File(spool))
    except Exception:
        log.exception("export %s (%s) failed", export.pk, export.kind)
        BackgroundExport.objects.filter(pk=export.pk).update(state=State.FAILED, finished_at=timezone.now())
        return "failed"
    BackgroundExport.objects.filter(pk=export.pk).update(
        state=State.DONE, path=path, rows_done=count, rows_total=count, finished_at=timezone.now())
    return f"{count} rows"


def open_file(export: BackgroundExport) -> File[bytes] | None:
    """The stored workbook of a DONE, unexpired export, or None."""
    if export.state != State.DONE or export.expired or not export.path:
        return None
    try:
        return default_storage.open(export.path, "rb")
    except OSError:
        return None


@jobs.periodic("core.exports.sweep", cron="17 * * * *")
def sweep(owner: Actor | None = None) -> int:
    """Delete expired exports and their files (of `owner` only, when given); returns how many."""
    expired = BackgroundExport.objects.filter(expires_at__lte=timezone.now())
    if owner is not None:
        expired = expired.filter(owner=owner)  # type: ignore[misc]  # AUTH_USER_MODEL, as above
    removed = 0
    for export in expired.only("pk", "path"):
        if export.path:
            try:
                default_storage.delete(export.path)
            except OSError:
                log.warning("could not delete expired export file %s", export.path)
        removed += BackgroundExport.objects.filter(pk=export.pk).delete()[0]
    return removed


__all__ = ["Workbook", "check", "is_large", "open_file", "register", "start", "sweep", "write"]
