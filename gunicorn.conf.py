"""gunicorn settings for production; each value can be overridden with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("SMARTDOCHO_BIND", "127.0.0.1:8000")
# Nothing a request needs lives in a process's memory (sessions, locks and data are in
# PostgreSQL), so workers and hosts can be added freely.
workers = int(os.environ.get("SMARTDOCHO_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads, so that a browser's (or a proxy's) connection is kept alive between requests: the
# sync worker closed every connection, and a new one per request put connection set-up, and
# on loopback about a second of SYN retransmits at p99, into every page's tail (issue 15,
# bench/RESULTS-signed-in.md). Each thread holds its own database connection: PostgreSQL sees
# up to workers × threads connections per host.
worker_class = "gthread"
threads = int(os.environ.get("SMARTDOCHO_THREADS", 4))
keepalive = 5
timeout = 30
graceful_timeout = 30
max_requests = 2000
# The app is imported once, in the master, and each worker forked from it: a worker recycled
# after max_requests starts in milliseconds instead of importing Django again for about a
# second while its share of requests waits. Nothing touches the database at import.
preload_app = True
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
wsgi_app = "smartdocho.wsgi:application"
