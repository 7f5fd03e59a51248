"""Answers given before Django's middleware, for what an edge asks on every hit.

A page that every reader shares holds, at the edge, an ``<esi:include>`` of each value
made for one reader (``core.pagecache``: the comment form's signed time of issue). The
edge fetches it on every hit of that page, so answering it through Django's whole stack
would make an edge hit cost more than the trivial view. A value that needs nothing of
the request is answered here instead, by the WSGI application (config/wsgi.py), before
any middleware runs: no session, no database, no template.
"""

from . import pagecache

PERSONAL_PREFIX = "/_personal/"
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "private, no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


class PersonalValues:
    """WSGI middleware: ``GET /_personal/<name>/`` for a value made without the request."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        name = self.value_asked_for(environ)
        if name is None:
            return self.application(environ, start_response)
        body = pagecache.make_per_reader(None, name).encode()
        start_response("200 OK", [*HEADERS, ("Content-Length", str(len(body)))])
        return [body]

    def value_asked_for(self, environ):
        """The name asked for, when this layer may answer it; None for Django to answer."""
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if not path.startswith(PERSONAL_PREFIX) or not path.endswith("/"):
            return None
        name = path[len(PERSONAL_PREFIX) : -1]
        return name if pagecache.is_made_without_request(name) else None
