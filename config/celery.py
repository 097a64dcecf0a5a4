"""Celery app: Redis broker when REDIS_URL is set, in-process (eager) otherwise."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("officine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


_task_scopes: dict[str, object] = {}


@task_prerun.connect(dispatch_uid="officine-task-scope-enter")
def _enter_empty_scope(task_id=None, **kwargs):
    """Every task starts in a scope with no pharmacy: it must say which one it works for."""
    from pharmacies.tenancy import no_pharmacy  # the app registry is not ready at import time

    context = no_pharmacy()
    context.__enter__()
    _task_scopes[task_id] = context


@task_postrun.connect(dispatch_uid="officine-task-scope-leave")
def _leave_scope(task_id=None, **kwargs):
    context = _task_scopes.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
