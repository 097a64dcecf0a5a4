"""Production: refuses to start without its secrets (keys, webhook secret) or with DEBUG on."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be off in production.")
if not OFFICINE_FILE_KEYS:  # noqa: F405
    raise ImproperlyConfigured("OFFICINE_FILE_KEYS must be set in production (prescription files).")
if not ANYMAIL["WEBHOOK_SECRET"]:  # noqa: F405
    raise ImproperlyConfigured(
        "ANYMAIL_WEBHOOK_SECRET must be set in production ('user:password' of the delivery "
        "webhooks); without it they refuse every report."
    )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "anymail.backends.brevo.EmailBackend")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.sms.BrevoSMSBackend")
# File backends (prod-check, staging): where the worker writes the messages it "sends".
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "sent-emails"))  # noqa: F405
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(VAR_DIR / "sent-sms"))  # noqa: F405


def _s3(bucket_variable: str, **options) -> dict:
    """A django-storages S3 backend on the shared endpoint and keys, in the given bucket."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ[bucket_variable],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
            "file_overwrite": False,
            **options,
        },
    }


# Public media (pharmacy photos, logos, team portraits, news images) must be shared by every app
# machine too: a photo uploaded through one machine is shown by all of them.
if os.environ.get("MEDIA_STORAGE_BACKEND", "filesystem") == "s3":
    STORAGES["default"] = _s3(  # noqa: F405
        "AWS_MEDIA_BUCKET_NAME",
        custom_domain=os.environ.get("AWS_MEDIA_CUSTOM_DOMAIN") or None,
        location=os.environ.get("AWS_MEDIA_LOCATION", "media"),
        default_acl="public-read",
        querystring_auth=False,
    )

# Encrypted prescription files on S3-compatible object storage (several app machines share it).
# The files are Fernet-encrypted before they leave the app: the bucket only ever holds ciphertext.
if os.environ.get("PRIVATE_STORAGE_BACKEND", "filesystem") == "s3":
    STORAGES["private"] = _s3(  # noqa: F405
        "AWS_STORAGE_BUCKET_NAME",
        location=os.environ.get("AWS_PRIVATE_LOCATION", "prescriptions"),
        default_acl="private",
        querystring_auth=True,
        querystring_expire=60,
        object_parameters={"ServerSideEncryption": "AES256"},
    )
