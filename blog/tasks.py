"""Periodic publishing: posts scheduled by the editors go live without anyone at the keyboard."""

import logging

from celery import shared_task
from django.core.management import call_command

logger = logging.getLogger("officine.blog")


@shared_task(name="blog.tasks.publish_scheduled")
def publish_scheduled():
    """Run Wagtail's own `publish_scheduled` (go-live and expiry of pages and snippets)."""
    call_command("publish_scheduled")
    logger.info("Scheduled publishing run")
