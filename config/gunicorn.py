"""gunicorn settings for `make serve`; every value can be overridden from the environment.

gunicorn reads a request's body in the thread that runs it, and `timeout` does not bound
that read: 16 clients sending a body a byte a second leave every other reader waiting
(bench/slow_clients.py --server gunicorn). Under gunicorn, put a proxy in front that
reads each request whole before passing it on (nginx does by default:
proxy_request_buffering on, client_body_timeout, client_max_body_size).
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", 2))
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
graceful_timeout = 20
max_requests = 5000
max_requests_jitter = 500
# Requests are logged by the application (core.logs.RequestLogMiddleware), as JSON.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
