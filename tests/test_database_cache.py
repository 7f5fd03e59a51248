"""The shared cache in a database table (core/dbcache.py): many keys set in few queries,
read back as set, with their expiry, new values over old, and the table kept to its size."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone

from core.dbcache import DatabaseCache

pytestmark = pytest.mark.django_db


# A table of its own: with Redis as the site's cache (PostgreSQL in CI), no cache table is
# made for the tests.
TABLE = "cache_table_under_test"


@pytest.fixture
def table_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "table": {
            "BACKEND": "core.dbcache.DatabaseCache",
            "LOCATION": TABLE,
            "OPTIONS": {"MAX_ENTRIES": 100, "CULL_FREQUENCY": 2},
        },
    }
    call_command("createcachetable", "--database", "default")
    cache = caches["table"]
    cache.clear()
    yield cache
    cache.clear()


def test_many_keys_are_set_in_one_transaction_and_a_statement_per_500(
    table_cache, django_assert_num_queries
):
    table_cache = DatabaseCache(TABLE, {"OPTIONS": {"MAX_ENTRIES": 10_000}})
    values = {f"version:review:{n}": {"version": n, "text": "Ünïcode"} for n in range(806)}

    # The count, two INSERTs (500 and 306 rows), and the transaction's start and end.
    with django_assert_num_queries(5, exact=False):
        assert table_cache.set_many(values) == []

    assert table_cache.get_many(list(values)) == values


def test_set_many_replaces_old_values_and_leaves_other_keys_alone(table_cache):
    table_cache.set_many({"a": 1, "b": 2})
    table_cache.set("untouched", "kept")

    table_cache.set_many({"b": 20, "c": 30})

    assert table_cache.get_many(["a", "b", "c", "untouched"]) == {
        "a": 1,
        "b": 20,
        "c": 30,
        "untouched": "kept",
    }


def test_values_set_many_are_read_by_djangos_own_database_cache(table_cache):
    table_cache.set_many({"page": ("<p>Hello</p>", {"review:1": "v1"})}, 60)

    djangos = DjangoDatabaseCache(TABLE, {})
    assert djangos.get("page") == ("<p>Hello</p>", {"review:1": "v1"})


def test_keys_set_many_expire_after_their_timeout(table_cache, monkeypatch):
    table_cache.set_many({"brief": "soon gone"}, 30)
    table_cache.set_many({"forever": "kept"}, None)
    assert table_cache.get("brief") == "soon gone"

    later = timezone.now() + timedelta(seconds=31)
    monkeypatch.setattr("django.core.cache.backends.db.tz_now", lambda: later)

    assert table_cache.get_many(["brief", "forever"]) == {"forever": "kept"}


def test_a_full_table_is_culled_before_more_keys_are_set(table_cache):
    table_cache.set_many({f"old:{n}": n for n in range(101)})

    table_cache.set_many({f"new:{n}": n for n in range(10)})

    assert table_cache.get_many([f"new:{n}" for n in range(10)]) == {
        f"new:{n}": n for n in range(10)
    }
    remaining_old = table_cache.get_many([f"old:{n}" for n in range(101)])
    assert len(remaining_old) == 51  # over MAX_ENTRIES: half the table (CULL_FREQUENCY 2) went


def test_a_database_that_fails_leaves_every_key_unwritten(table_cache, monkeypatch):
    def failing_cull(*args):
        raise DatabaseError("disk I/O error")

    table_cache.set_many({f"old:{n}": n for n in range(101)})
    monkeypatch.setattr(table_cache, "_cull", failing_cull)

    assert sorted(table_cache.set_many({"a": 1, "b": 2})) == ["a", "b"]
    assert table_cache.get_many(["a", "b"]) == {}
