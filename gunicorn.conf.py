"""gunicorn settings for production; each value can be overridden with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("SMARTDOCHO_BIND", "127.0.0.1:8000")
# Nothing a request needs lives in a process's memory (sessions, locks and data are in
# PostgreSQL), so workers and hosts can be added freely.
workers = int(os.environ.get("SMARTDOCHO_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
wsgi_app = "smartdocho.wsgi:application"
