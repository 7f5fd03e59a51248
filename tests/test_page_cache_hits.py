"""Page-cache hits answered before Django's middleware (core/fastpath.py): for a reader
without a session, the same page and headers as Django's own path, after one read of the
shared cache; a change made by any process is seen at once."""

import io
import logging
from types import SimpleNamespace

import pytest
from django.core import signals, signing
from django.core.cache import cache
from django.db import close_old_connections

from comments import forms
from comments.forms import TIMESTAMP_SALT
from config.wsgi import django_application
from core import fastpath, pagecache
from reviews import keys
from reviews.models import Review
from tests.page_tree import parse_html

EDGE = {"Surrogate-Capability": 'varnish="ESI/1.0"'}


pytestmark = pytest.mark.usefixtures("page_cache")


@pytest.fixture(autouse=True)
def connections_kept():
    """As Django's test client does: the test's transaction outlives each request."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def stopped_clock(monkeypatch):
    """The page cache's time stands still, so that two answers' s-maxage agree."""
    now = pagecache.time.time()
    monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: now))


class Django:
    """Django's WSGI application, counting the requests it is asked."""

    def __init__(self):
        self.asked = 0

    def __call__(self, environ, start_response):
        self.asked += 1
        return django_application(environ, start_response)


@pytest.fixture
def django():
    return Django()


@pytest.fixture
def site(django):
    """The application as config/wsgi.py serves it, in front of a counting Django."""
    return fastpath.PageCacheHits(django)


def environ(path, method="GET", headers=None):
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def get(app, path, method="GET", headers=None):
    """(status, headers as a list, body) as a WSGI server would send them."""
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered.update(status=status, headers=headers)

    result = app(environ(path, method, headers), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return SimpleNamespace(
        status=answered["status"], headers=answered["headers"], text=body.decode()
    )


def header(answer, name):
    return dict(answer.headers).get(name)


@pytest.fixture
def review(make_film, make_review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_review(headline="First light", film=make_film(title="Moon"))


def stamp_in(answer):
    field = parse_html(answer.text).find("input", name="issued")
    return field.attrs["value"]


def test_a_reader_without_a_session_is_answered_without_django_once_the_page_is_kept(
    site, django, review
):
    url = review.get_absolute_url()
    get(site, url)  # rendered by Django
    get(site, url)  # a hit on Django's path: the address is now known
    asked = django.asked
    answers = [get(site, url) for _ in range(3)]

    assert django.asked == asked
    for answer in answers:
        assert answer.status == "200 OK"
        assert header(answer, "X-Page-Cache") == "hit"
        assert "First light" in parse_html(answer.text).find("h1").text
    # The comment form's time of issue is each reader's own, signed as Django's path signs it.
    stamps = {stamp_in(answer) for answer in answers}
    assert all(signing.loads(stamp, salt=TIMESTAMP_SALT, max_age=60) for stamp in stamps)


@pytest.mark.parametrize(
    "headers",
    [{}, EDGE, {"Cookie": f"csrftoken={'a' * 32}; theme=dark"}],
    ids=["browser", "edge", "cookies without a session"],
)
def test_a_hit_before_django_has_the_headers_of_a_hit_on_djangos_path(
    site, django, review, stopped_clock, headers
):
    url = review.get_absolute_url()
    get(site, url, headers=headers)
    on_djangos_path = get(site, url, headers=headers)
    asked = django.asked
    before_django = get(site, url, headers=headers)

    assert django.asked == asked
    assert header(on_djangos_path, "X-Page-Cache") == "hit"
    ignored = {"Content-Length"} if not headers.get("Surrogate-Capability") else set()
    assert {k: v for k, v in before_django.headers if k not in ignored} == {
        k: v for k, v in on_djangos_path.headers if k not in ignored
    }
    assert len(before_django.headers) == len(on_djangos_path.headers)
    for name in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "ETag",
        "Cache-Control",
    ):
        assert header(before_django, name), name
    if headers is EDGE:
        assert header(before_django, "xkey")
        assert before_django.text == on_djangos_path.text


def test_a_browser_that_has_the_page_is_told_so_before_django(site, django, review):
    url = review.get_absolute_url()
    get(site, url, headers=EDGE)
    etag = header(get(site, url, headers=EDGE), "ETag")
    asked = django.asked

    answer = get(site, url, headers={**EDGE, "If-None-Match": etag})
    head = get(site, url, method="HEAD", headers=EDGE)

    assert django.asked == asked
    assert answer.status == "304 Not Modified" and answer.text == ""
    assert head.status == "200 OK" and header(head, "ETag") == etag


def test_a_change_made_by_another_process_is_shown_at_once(site, django, review):
    url = review.get_absolute_url()
    for _ in range(3):
        get(site, url)
    # Another process edits the review and invalidates its key: here, only the database
    # and the shared cache are told, as they would be from elsewhere.
    Review.objects.filter(pk=review.pk).update(headline="Second light")
    changed = [*keys.review_itself(review.pk), pagecache.CHANGES_KEY]
    cache.set_many({pagecache.VERSION_PREFIX + key: "another-process" for key in changed}, None)
    asked = django.asked

    fresh = get(site, url)
    then = [get(site, url) for _ in range(2)]

    assert django.asked == asked + 1  # rendered again by Django, then kept again
    assert header(fresh, "X-Page-Cache") is None
    for answer in (fresh, *then):
        assert parse_html(answer.text).find("h1").text.strip() == "Second light"


def test_a_change_to_something_else_costs_one_check_on_djangos_path(site, django, review):
    url = review.get_absolute_url()
    get(site, url)
    get(site, url)
    pagecache.invalidate(keys.person(review.pk + 1000))  # not on this review's page
    asked = django.asked

    checked = get(site, url)
    after = get(site, url)

    assert django.asked == asked + 1
    assert header(checked, "X-Page-Cache") == "hit" and header(after, "X-Page-Cache") == "hit"
    assert "First light" in after.text


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {"Cookie": "sessionid=abc"}),
        ("GET", {"Cookie": "messages=abc"}),
        ("GET", {"Authorization": "Basic YTpi"}),
        ("POST", {}),
    ],
    ids=["session", "messages", "authorization", "post"],
)
def test_readers_django_must_see_are_left_to_django(site, django, review, method, headers):
    url = review.get_absolute_url()
    get(site, url)
    get(site, url)
    asked = django.asked

    get(site, url, method=method, headers=headers)

    assert django.asked == asked + 1


def test_a_host_not_allowed_is_still_refused(site, django, review):
    """Addresses are remembered with their host: only Django's path sees a new one."""
    url = review.get_absolute_url()
    get(site, url)
    get(site, url)
    asked = django.asked

    answer = get(site, url, headers={"Host": "evil.example"})

    assert django.asked == asked + 1
    assert answer.status.startswith("400")
    assert "First light" not in answer.text


def test_a_hit_before_django_is_logged_like_any_request(site, review, caplog):
    url = review.get_absolute_url()
    get(site, url)
    get(site, url)
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="requests"):
        get(site, url)

    (line,) = [r for r in caplog.records if r.name == "requests"]
    assert line.fields["path"] == url and line.fields["status"] == 200


def test_the_site_answers_hits_this_way():
    from config.wsgi import application

    assert isinstance(application.application, fastpath.PageCacheHits)


def test_what_a_hit_owes_each_middleware_is_said(settings):
    """A middleware added to the settings must first say what a hit owes it."""
    assert fastpath.PageCacheHits(django_application).enabled
    assert set(settings.MIDDLEWARE) <= set(fastpath.ON_A_HIT)


def test_a_middleware_nobody_said_anything_of_turns_hits_before_django_off(
    settings, django, review
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.unknown.Middleware"]
    site = fastpath.PageCacheHits(django)
    url = review.get_absolute_url()

    for _ in range(3):
        get(site, url)

    assert django.asked == 3


def test_the_time_of_issue_each_hit_makes_is_the_forms_own_hidden_field(monkeypatch):
    monkeypatch.setattr(forms, "signed_timestamp", lambda: "1733090000.5:abc-_")
    widget = forms.CommentForm.base_fields["issued"].widget

    assert forms.issued_field() == widget.render("issued", "1733090000.5:abc-_")


def test_each_process_remembers_only_so_many_addresses():
    addresses = fastpath.Addresses(size=2)
    for n in range(3):
        addresses.put(("host", f"/{n}/"), f"page:{n}", [("X-Frame-Options", "DENY")])

    assert addresses.get(("host", "/0/")) is None
    assert addresses.get(("host", "/2/")).key == "page:2"
