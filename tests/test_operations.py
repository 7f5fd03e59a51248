"""Running for real: health checks, error pages, request logs, surviving a Redis outage."""

import json
import logging
import sys
import time

import pytest
from django.core import signing
from django.db import OperationalError
from django.test import Client

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from core.logs import JSONFormatter
from core.resilience import ResilientRedisCache
from reviews.models import ReviewQuerySet

# Two databases of a Redis that refuses connections: each test sees the outage begin, since
# a process keeps one circuit breaker per Redis location.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
ANOTHER_UNREACHABLE_REDIS = "redis://127.0.0.1:1/1"


def test_healthz_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "tasks": {"run": "at once"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    monkeypatch.setattr("core.views.database_answers", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_visitors_get_a_503_page_when_the_database_is_down(db, monkeypatch):
    def refuse(self):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(ReviewQuerySet, "published", refuse)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert "We will be back in a moment" in response.text
    assert "Traceback" not in response.text
    assert "Connection refused" not in response.text


def test_other_errors_get_the_sites_500_page_without_details(db, monkeypatch):
    def fail(self):
        raise ValueError("secret internals")

    monkeypatch.setattr(ReviewQuerySet, "published", fail)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internals" not in response.text


def test_each_request_is_logged_once_with_status_and_duration(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="requests"):
        client.get("/no-such-page/")
    lines = [record for record in caplog.records if record.name == "requests"]
    assert len(lines) == 1
    assert lines[0].fields["status"] == 404
    assert lines[0].fields["path"] == "/no-such-page/"
    assert lines[0].fields["duration_ms"] >= 0


def test_log_lines_are_json_with_the_traceback_of_errors():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.getLogger("x").makeRecord(
        "x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info
    )
    entry = json.loads(JSONFormatter().format(record))
    assert entry["level"] == "ERROR"
    assert entry["message"] == "failed here"
    assert "RuntimeError: boom" in entry["traceback"]


def test_cache_degrades_to_empty_when_redis_does_not_answer(caplog):
    cache = ResilientRedisCache(UNREACHABLE_REDIS, {"OPTIONS": {"socket_connect_timeout": 0.2}})
    with caplog.at_level(logging.WARNING):
        assert cache.get("anything", "default") == "default"
        cache.set("key", "value")
        assert cache.add("counter", 1) is True
        assert cache.incr("counter") == 1
    assert "Redis unavailable" in caplog.text


def test_comments_are_accepted_and_pages_render_when_redis_is_down(settings, make_review):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.resilience.ResilientRedisCache",
            "LOCATION": ANOTHER_UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    review = make_review(headline="Still standing")
    client = Client()
    assert "Still standing" in client.get("/").text
    response = client.post(
        f"/reviews/{review.pk}/comments/",
        {
            "author_name": "Ann",
            "author_email": "ann@example.com",
            "body": "Posted while Redis was down.",
            "issued": signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT),
        },
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == "Posted while Redis was down."


@pytest.mark.parametrize("path", ["/healthz", "/ping"])
def test_health_check_needs_no_session_or_cookie(client, db, path):
    response = client.get(path)
    assert "Set-Cookie" not in response.headers


def test_ping_is_the_benchmarks_trivial_view(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.content == b"pong"
