"""Background imports: the web page queues a job; ``paritrana worker`` runs it (the database is the queue)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.utils import timezone
from django_tasks import task

from paritrana.core.errors import ParitranaError
from paritrana.registry.actions import do_import_workers
from paritrana.registry.models import ImportJob

logger = logging.getLogger(__name__)


def run_import_job(job_id: int) -> None:
    """Run one queued import and record its outcome on the job (progress is saved as it goes)."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status="running")

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=done, total=total)

    try:
        result = do_import_workers(
            source=Path(job.stored_path),
            filename=job.filename,
            actor=job.created_by,
            mode=job.mode,
            dry_run=job.dry_run,
            mapping=job.mapping or None,
            sheet=job.sheet or None,
            progress=progress,
        )
    except ParitranaError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status="failed", error=exc.render_message(), finished_at=timezone.now()
        )
        return
    report = ""
    if result.issues.height:
        path = Path(job.stored_path).with_suffix(".report.xlsx")
        path.write_bytes(result.report("xlsx"))
        report = str(path)
    summary = {k: v for k, v in result.summary.items() if k != "mapping"}
    ImportJob.objects.filter(pk=job.pk).update(
        status="rejected" if summary["status"] == "rejected" else "done",
        summary=summary,
        report_path=report,
        mapping=result.summary["mapping"],
        progress=summary["rows"],
        total=summary["rows"],
        finished_at=timezone.now(),
    )


@task()
def import_workers_task(job_id: int) -> None:
    run_import_job(job_id)
