"""Project package: settings, root URLs, the Celery app, WSGI. The only code that knows every app."""

from .celery import app as celery_app

__all__ = ["celery_app"]
