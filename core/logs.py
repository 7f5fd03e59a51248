"""Logs as JSON lines, one object per line, for a log collector."""

import json
import logging
import time

logger = logging.getLogger("requests")


class JSONFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """One log line per request: method, path, status and duration in milliseconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        log_request(request.method, request.path, response.status_code, started)
        return response


def log_request(method, path, status, started):
    """The request's line; ``started`` is its ``time.perf_counter()`` on arrival. Also written
    for the requests answered before Django (core/fastpath.py)."""
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    logger.info("%s %s %s %sms", method, path, status, duration_ms, extra={"fields": fields})
