"""The production settings, as a server under test runs them: only static files differ (served by
Django's plain storage, so no `collectstatic` manifest is needed)."""

from config.settings.production import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
