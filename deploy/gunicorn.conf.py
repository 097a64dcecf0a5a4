"""Gunicorn settings for Officine, read from the environment (systemd unit, Procfile, prod-check).

Sync workers: nginx buffers uploads and slow clients, so a worker is only busy while Django works.
Image sanitising is CPU-bound, so more than ~2 workers per core gains nothing; recycle workers
now and then so one huge photo does not keep its memory forever.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
# Only nginx on this machine may set X-Forwarded-Proto / X-Forwarded-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "officine"
# Load the app once in the master: workers share its memory pages and start faster.
preload_app = True
