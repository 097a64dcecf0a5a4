"""Settings shared by every environment; everything that differs comes from environment variables."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("OFFICINE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Platform, then the features (their body blocks appear in this order in the page editor).
    "cms",
    "notifications",
    "pharmacies",
    "ordonnances",
    "rdv",
    "collect",
    "blog",
    "contact",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "anymail",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cms.caching.PageCacheMiddleware",
    "pharmacies.middleware.CurrentSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cms.two_factor.RequireTwoFactorMiddleware",
    "pharmacies.middleware.TenantScopeMiddleware",
    "pharmacies.middleware.ForeignObjectsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pharmacies.context_processors.pharmacy",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A connection the database dropped (restart, failover, idle kill) is replaced before the
        # next request uses it, instead of failing that request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default (`make demo`): one writer at a time. WAL lets pages be read while a
    # patient's upload is written; BEGIN IMMEDIATE plus a busy timeout make concurrent writers
    # wait their turn instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Health data never lives under MEDIA_ROOT: it has its own storage outside any served folder.
PRIVATE_STORAGE_ROOT = VAR_DIR / "private"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGIN_URL = "wagtailadmin_login"

# Security: headers everywhere, a strict CSP on the public site (the Wagtail admin needs inline
# scripts, so it is excluded and protected by login, 2FA and X-Frame-Options instead).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        # The contact block's map, only once the visitor clicks "Afficher la carte" (static/js/map.js).
        "frame-src": ["https://www.openstreetmap.org"],
        "frame-ancestors": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Number of reverse proxies in front of gunicorn that append to X-Forwarded-For (nginx: 1).
OFFICINE_TRUSTED_PROXY_COUNT = int(os.environ.get("OFFICINE_TRUSTED_PROXY_COUNT", 0))
OFFICINE_RATE_LIMIT_PER_IP = os.environ.get("OFFICINE_RATE_LIMIT_PER_IP", "20/h")
OFFICINE_RATE_LIMIT_PER_PHARMACY = os.environ.get("OFFICINE_RATE_LIMIT_PER_PHARMACY", "600/h")
RATELIMIT_IP_META_KEY = "pharmacies.client_ip.client_ip"

# Admin login: lockout after repeated failures, shared by all workers through the database.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "pharmacies.client_ip.axes_client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/lockout.html"

# Two-factor authentication (TOTP) for every admin user.
OFFICINE_2FA_REQUIRED = env_bool("OFFICINE_2FA_REQUIRED", True)
OTP_TOTP_ISSUER = "Officine"

# Anonymous visitors get no cookie: sessions only for logged-in staff, CSRF in the form only.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
CSRF_USE_SESSIONS = False

WAGTAIL_SITE_NAME = "Officine"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAIL_I18N_ENABLED = False
# Plain ASCII page addresses: they survive SMS, copy-paste and old phones.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Wagtail's database backend; on SQLite with search words escaped (cms/search.py).
# cms.search escapes FTS5 syntax on SQLite; it imports SQLite-only models, so PostgreSQL uses
# Wagtail's database backend as it is.
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "cms.search"
        if DATABASES["default"]["ENGINE"].endswith("sqlite3")
        else "wagtail.search.backends.database"
    }
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Documents always go through Django's view, which decides who may download them (a pharmacy's
# internal files: its staff only; see pharmacies/media_scoping.py), never straight to storage.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No third-party requests from the admin either (Gravatar would leak staff emails' hashes).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False

# Email: console by default; anymail when ANYMAIL_BACKEND is set (e.g. anymail.backends.brevo.EmailBackend).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Officine <no-reply@officine.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    "BREVO_API_KEY": os.environ.get("BREVO_API_KEY", ""),
    "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", ""),
}

SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.sms.ConsoleSMSBackend")
SMS_BREVO_API_KEY = os.environ.get("SMS_BREVO_API_KEY", "")
SMS_DEFAULT_SENDER = os.environ.get("SMS_DEFAULT_SENDER", "Officine")

# Celery: Redis when REDIS_URL is set, otherwise tasks run in-process (the embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Bulk work (the batches of a reminder backlog) has a queue of its own, consumed by the same workers
# (`celery -A config worker -Q celery,bulk`): the sends those batches queue, and a confirmation
# booked meanwhile, are taken in turn with the batches instead of waiting behind all of them.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"rdv.send_reminder_batch": {"queue": "bulk"}}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# Outbox relay: rows left pending (no broker answer) are sent again after this many seconds, rows
# left "sending" by a worker that vanished after that many (the provider is asked before a resend).
OUTBOX_RELAY_PENDING_AFTER = float(os.environ.get("OUTBOX_RELAY_PENDING_AFTER", 300))
OUTBOX_RELAY_STUCK_AFTER = float(os.environ.get("OUTBOX_RELAY_STUCK_AFTER", 600))
# Every periodic task of every app, in one place (only the project package knows every app).
CELERY_BEAT_SCHEDULE = {
    "notifications-relay-outbox": {"task": "notifications.relay_outbox", "schedule": 60.0},
    "ordonnances-purge-expired": {"task": "ordonnances.purge_expired", "schedule": 24 * 3600.0},
    # Idempotent, so running it hourly only makes a preparation appear sooner after a change.
    "ordonnances-create-due-dispensings": {
        "task": "ordonnances.create_due_dispensings",
        "schedule": 3600.0,
    },
    "ordonnances-remove-orphan-files": {
        "task": "ordonnances.remove_orphan_files",
        "schedule": 6 * 3600.0,
    },
    "ordonnances-purge-kept-files": {"task": "ordonnances.purge_kept_files", "schedule": 900.0},
    "rdv-send-reminders": {"task": "rdv.send_reminders", "schedule": 15 * 60.0},
    "rdv-purge-waitlist": {"task": "rdv.purge_waitlist", "schedule": 24 * 3600.0},
    "collect-expire-and-remind": {"task": "collect.expire_and_remind", "schedule": 3600.0},
    "collect-purge-expired": {"task": "collect.purge_expired", "schedule": 24 * 3600.0},
    "blog-publish-scheduled": {"task": "blog.tasks.publish_scheduled", "schedule": 60.0},
}
# One active beat however many machines run one (docs/deploy.md): with OFFICINE_BEAT_LOCK=1 beat
# keeps its schedule in Redis (celery-redbeat) and holds a lock there; a second beat waits on the
# lock and takes over once the first stops renewing it. Off by default: the embedded install runs
# tasks in-process and a single beat uses Celery's own file-backed scheduler.
OFFICINE_BEAT_LOCK = env_bool("OFFICINE_BEAT_LOCK", False)
if OFFICINE_BEAT_LOCK:
    if not REDIS_URL:
        raise ImproperlyConfigured("OFFICINE_BEAT_LOCK=1 needs REDIS_URL (the lock lives in Redis)")
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    CELERY_REDBEAT_KEY_PREFIX = "officine:redbeat:"
    CELERY_REDBEAT_REDIS_OPTIONS = {}  # not the broker's transport options (redbeat 2.5 stops that)
    # Beat wakes at least this often, and renews the lock each time; a dead beat's lock expires
    # after OFFICINE_BEAT_LOCK_SECONDS, when the other one takes over (5 × the shortest interval).
    CELERY_BEAT_MAX_LOOP_INTERVAL = 60
    CELERY_REDBEAT_LOCK_TIMEOUT = int(os.environ.get("OFFICINE_BEAT_LOCK_SECONDS", 300))

if REDIS_URL:
    # Redis down degrades, never fails (cms/cache.py): pages render without the cache, and the
    # rate limits count in each process's memory until Redis answers again.
    _REDIS_CACHE = {
        "BACKEND": "cms.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "officine",
    }
    CACHES = {
        "default": _REDIS_CACHE,
        "ratelimit": {**_REDIS_CACHE, "OPTIONS": {"LOCAL_FALLBACK": True}},
    }
    RATELIMIT_USE_CACHE = "ratelimit"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    RATELIMIT_USE_CACHE = "default"
# Whole-page cache of anonymous GETs of `public` pages, purged on publish (cms/caching.py).
OFFICINE_PAGE_CACHE = env_bool("OFFICINE_PAGE_CACHE", True)
OFFICINE_PAGE_CACHE_SECONDS = int(os.environ.get("OFFICINE_PAGE_CACHE_SECONDS", 300))
# The form and news blocks' HTML per site, with per-visitor holes (cms/fragments.py).
OFFICINE_FRAGMENT_CACHE = env_bool("OFFICINE_FRAGMENT_CACHE", True)

# Prescription files: limits and encryption keys (comma-separated, newest first).
OFFICINE_UPLOAD_MAX_BYTES = int(os.environ.get("OFFICINE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
OFFICINE_UPLOAD_MAX_FILES = int(os.environ.get("OFFICINE_UPLOAD_MAX_FILES", 5))
OFFICINE_UPLOAD_MAX_PIXELS = int(os.environ.get("OFFICINE_UPLOAD_MAX_PIXELS", 40_000_000))
OFFICINE_FILE_KEYS = env_list("OFFICINE_FILE_KEYS")
OFFICINE_MIN_FILL_SECONDS = float(os.environ.get("OFFICINE_MIN_FILL_SECONDS", 3))
# Stored prescription files that no row names (a worker killed mid-upload) are removed after this.
OFFICINE_ORPHAN_FILE_GRACE_HOURS = float(os.environ.get("OFFICINE_ORPHAN_FILE_GRACE_HOURS", 6))
# Day-before reminders per task: the beat tick fans a backlog out to every worker process.
OFFICINE_REMINDER_BATCH = int(os.environ.get("OFFICINE_REMINDER_BATCH", 200))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "officine": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
