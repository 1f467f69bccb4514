"""Background tasks (Django's tasks framework through the django-tasks backport).

Production runs them with the database backend and its worker (`manage.py db_worker`, see
README, "Production deployment"): no other server. The tests run them immediately.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from .workbook import jobs


@task()
def process_workbook(token: str, kind: str, user_id: int, overwrite: list[str]) -> None:
    """Check (kind "check", a dry run) or import (kind "apply") an uploaded workbook; the
    pages follow it through the files of register/workbook/jobs.py."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        # Never run without a user: that would act as the operator (import_workbook()).
        jobs.mark_failed(token, kind)
        return
    try:
        jobs.run_job(token, kind, user=user, overwrite=overwrite)
    except BaseException:
        # Whatever stopped it, the import's transaction rolled back; the page says so.
        jobs.mark_failed(token, kind)
        raise
