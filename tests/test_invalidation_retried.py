"""An invalidation the shared cache could not take is not lost with the process that made
it: a task gives the keys new versions once the cache answers, trying again until then."""

import logging
import socket

import pytest
from django.core.cache import caches

from core import pagecache
from tests.hanging_redis import HangingRedis
from tests.task_queue import DUMMY_TASKS, TaskQueue
from tests.unreliable_cache import UnreliableCache


@pytest.fixture
def queue(settings):
    settings.TASKS = DUMMY_TASKS
    return TaskQueue()


@pytest.fixture
def unreliable_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "tests.unreliable_cache.UnreliableCache", "LOCATION": "retried"}
    }
    UnreliableCache.down = False
    pagecache.unwritten.keys.clear()
    yield
    UnreliableCache.down = False
    pagecache.unwritten.keys.clear()


def version(key):
    return pagecache.current_versions([key])[key]


def test_an_invalidation_the_cache_refused_is_written_by_a_task_once_it_answers(
    unreliable_cache, queue, caplog
):
    before = version("review:12"), version("site")
    UnreliableCache.down = True
    pagecache.invalidate("review:12")
    pagecache.unwritten.keys.clear()  # the process that made the change is gone

    with caplog.at_level(logging.INFO, logger="core.pagecache"):
        first = queue.run_next()  # the cache still fails: queued again, for later
        (again,) = queue.waiting(pagecache.write_versions)
        UnreliableCache.down = False
        queue.run()

    assert list(again.args) == [["review:12", "site"], 2]
    assert again.task.run_after > first.enqueued_at
    assert version("review:12") != before[0]
    assert version("site") != before[1]  # nothing stored before the outage is trusted
    assert [record.levelname for record in caplog.records] == ["WARNING", "INFO"]


def test_an_invalidation_the_cache_took_queues_nothing(unreliable_cache, queue):
    pagecache.invalidate("review:12")

    assert queue.waiting(pagecache.write_versions) == []


def test_the_pause_before_each_try_grows(unreliable_cache, queue):
    UnreliableCache.down = True
    pagecache.invalidate("review:12")
    pauses = []
    for _ in range(4):
        task = queue.run_next()
        (later,) = queue.waiting(pagecache.write_versions)
        pauses.append(later.task.run_after - task.enqueued_at)

    assert pauses == sorted(pauses)
    assert pauses[0] < pauses[-1]


def redis_answers():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_a_hanging_redis_keeps_the_invalidation_until_it_answers(settings, queue, db):
    hanging = HangingRedis(db=7)
    settings.CACHES = {
        "default": {
            "BACKEND": "core.resilience.ResilientRedisCache",
            "LOCATION": hanging.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
            "COOL_OFF_SECONDS": 0,
        }
    }
    try:
        pagecache.invalidate("review:12")
        assert queue.waiting(pagecache.write_versions), "queued while Redis hangs"
        queue.run_next()
        (again,) = queue.waiting(pagecache.write_versions)
        assert again.args[1] == 2

        hanging.answer_from(6379)
        queue.run_next()

        assert queue.waiting(pagecache.write_versions) == []
        assert version("review:12") is not None
    finally:
        caches["default"].delete_many([pagecache.VERSION_PREFIX + k for k in ("review:12", "site")])
        hanging.close()
        pagecache.unwritten.keys.clear()


def test_the_task_renews_what_hits_before_django_check_too(db):
    """A page kept in a process's memory is served while CHANGES_KEY is unchanged
    (core/fastpath.py): the task that writes lost keys must renew it as well."""
    changes = pagecache.VERSION_PREFIX + pagecache.CHANGES_KEY
    before = caches["default"].get(changes)

    pagecache.write_versions.call(["review:1"])

    assert caches["default"].get(changes) not in (None, before)
