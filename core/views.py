import logging
import sys

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from core import pagecache
from core.taskhealth import task_queue_report

logger = logging.getLogger(__name__)


# The database does not answer: it is down, restarting, or out of connections. Any other
# database error (a DataError, an IntegrityError) is a query it refused: a server error.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


def bad_request(request, exception):
    """The site's page for a request it cannot read (Django's SuspiciousOperation)."""
    return render(request, "400.html", status=400)


def server_error(request):
    """The site's error page, rendered without the database: a 503 when the database does
    not answer, a 500 otherwise."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNREACHABLE):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)


def database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.error("Health check: database unavailable: %s", error)
        return False
    return True


def cache_answers():
    try:
        cache.set("healthz", "ok", 10)
        return cache.get("healthz") == "ok"
    except Exception as error:  # any backend's failure means the same to a load balancer
        logger.error("Health check: cache unavailable: %s", error)
        return False


@never_cache
def healthz(request):
    """For a load balancer: 200 while the database answers and the task queue moves, 503 when
    not; the cache's state too.

    The site still serves pages without its cache, so a cache outage alone is not a 503. The
    queue is stalled when a task has waited, or the workers been silent, for longer than
    TASKS_UNHEALTHY_AFTER_SECONDS (core/taskhealth.py).
    """
    database, cache_ok = database_answers(), cache_answers()
    tasks_ok, tasks = task_queue_report() if database else (False, {"status": "unknown"})
    healthy = database and tasks_ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if database else "unavailable",
        "cache": "ok" if cache_ok else "unavailable",
        "tasks": tasks,
    }
    return JsonResponse(body, status=200 if healthy else 503)


def ping(request):
    """The trivial view: the whole stack (middleware, routing) and no work of the site's own.
    bench/serving.py measures every page against it."""
    return HttpResponse("pong", content_type="text/plain; charset=utf-8")


def personal(request, name):
    """One reader's own value for a page every reader shares (the comment form's time of
    issue, say): what the edge puts where the page includes ``/_personal/<name>/``."""
    if not pagecache.is_per_reader(name):
        raise Http404("No such value.")
    response = HttpResponse(pagecache.make_per_reader(request, name))
    # One made without the request is everyone's for a second (core.fastpath says the same).
    shared = pagecache.is_made_without_request(name)
    response["Cache-Control"] = pagecache.SHARED_FOR_A_SECOND if shared else "private, no-store"
    return response


def shared_for(seconds):
    """A view whose answer is the same for everyone, which shared caches may keep for
    ``seconds`` (dropped sooner only by purging everything: it names no keys of its own)."""

    def decorate(view):
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            kept_for = int(seconds())
            if response.status_code == 200 and kept_for >= 1:
                pagecache.shared(response, kept_for, {})
            return response

        return wrapped

    return decorate
