"""A Redis that accepts connections and never answers: the site stops asking it for a
while after the first timeout, says so once, and uses it again when it answers."""

import logging
import socket
import time

import pytest
from django.core import signing
from django.test import Client

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from core.resilience import ResilientRedisCache
from tests.hanging_redis import HangingRedis

REAL_REDIS_PORT = 6379
REDIS_DB = 5
TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}


@pytest.fixture
def hanging_redis():
    server = HangingRedis(db=REDIS_DB)
    yield server
    server.close()


@pytest.fixture
def clock(monkeypatch):
    """The breaker's clock, moved on by hand."""
    now = [1000.0]
    monkeypatch.setattr("core.resilience.time.monotonic", lambda: now[0])
    return now


def redis_cache(location, cool_off=60):
    return ResilientRedisCache(location, {"OPTIONS": TIMEOUTS, "COOL_OFF_SECONDS": cool_off})


def outage_warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "core.resilience"]


def real_redis_answers():
    try:
        socket.create_connection(("127.0.0.1", REAL_REDIS_PORT), timeout=0.5).close()
    except OSError:
        return False
    return True


def use_cache_at(settings, location):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.resilience.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": TIMEOUTS,
            "COOL_OFF_SECONDS": 60,
        }
    }


def test_after_one_timeout_the_cache_asks_redis_nothing_during_the_cool_off(hanging_redis, caplog):
    cache = redis_cache(hanging_redis.url)
    with caplog.at_level(logging.WARNING, logger="core.resilience"):
        assert cache.get("page", "missed") == "missed"
        assert hanging_redis.accepted == 1
        for n in range(50):
            assert cache.get(f"page-{n}") is None
            assert cache.get_many([f"a-{n}", f"b-{n}"]) == {}
            cache.set(f"page-{n}", "body")
            assert cache.set_many({f"version-{n}": "v"}) == [f"version-{n}"]
            assert cache.add(f"counter-{n}", 1) is True
            assert cache.incr(f"counter-{n}") == 1

    assert hanging_redis.accepted == 1
    [warning] = outage_warnings(caplog)
    assert "during cache.get" in warning
    assert "not asking again for 60 s" in warning


def test_each_thread_cache_shares_the_processes_knowledge_of_the_outage(hanging_redis):
    first, second = redis_cache(hanging_redis.url), redis_cache(hanging_redis.url)
    first.get("page")
    second.get("page")
    assert hanging_redis.accepted == 1


def test_after_the_cool_off_one_trial_call_is_made_and_fails_again(hanging_redis, clock, caplog):
    cache = redis_cache(hanging_redis.url, cool_off=5)
    with caplog.at_level(logging.WARNING, logger="core.resilience"):
        cache.get("page")
        clock[0] += 4
        cache.get("page")
        assert hanging_redis.accepted == 1
        clock[0] += 2
        cache.get("page")
        cache.get("page")
        assert hanging_redis.accepted == 2
    assert len(outage_warnings(caplog)) == 1


@pytest.mark.skipif(not real_redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_the_cache_is_used_again_once_redis_answers(hanging_redis, clock, caplog):
    cache = redis_cache(hanging_redis.url, cool_off=5)
    with caplog.at_level(logging.WARNING, logger="core.resilience"):
        cache.get("page")
        hanging_redis.answer_from(REAL_REDIS_PORT)
        clock[0] += 6
        cache.set("outage-test", "back")
        assert cache.get("outage-test") == "back"
        cache.delete("outage-test")
    messages = outage_warnings(caplog)
    assert len(messages) == 2
    assert "answers again" in messages[1]


def test_healthz_answers_at_once_and_reports_the_cache_down(settings, db, hanging_redis):
    use_cache_at(settings, hanging_redis.url)
    client = Client()
    for _ in range(5):
        response = client.get("/healthz")
        assert response.json() == {
            "status": "ok",
            "database": "ok",
            "cache": "unavailable",
            "tasks": {"run": "at once"},
        }
    assert hanging_redis.accepted == 1


def test_pages_render_and_comments_are_accepted_while_redis_hangs(
    settings, make_review, hanging_redis
):
    use_cache_at(settings, hanging_redis.url)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.PAGE_CACHE_SECONDS = 600
    review = make_review(headline="Still standing")
    client = Client()
    for _ in range(3):
        assert "Still standing" in client.get("/").text
        assert "Still standing" in client.get(review.get_absolute_url()).text
    response = client.post(
        f"/reviews/{review.pk}/comments/",
        {
            "author_name": "Ann",
            "author_email": "ann@example.com",
            "body": "Posted while Redis hung.",
            "issued": signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT),
        },
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == "Posted while Redis hung."
    # The first call timed out; nothing else asked Redis.
    assert hanging_redis.accepted == 1
