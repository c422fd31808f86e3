"""Logging filters."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Keep a 4xx answer's log line, drop its traceback.

    Django logs a refused request (PermissionDenied → 403, a bad request → 400) on
    django.request with the exception attached, so every 403 printed a traceback as if the
    server had failed. A 4xx is the client's error, expected and handled: one line is enough.
    5xx records keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
