"""Keeping the site up when Redis stops answering."""

import logging

import redis
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

REDIS_FAILURES = (redis.RedisError, ConnectionError, TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    """Redis as the cache; when Redis fails, log it and behave as an empty cache.

    Reads miss, writes are dropped and counters start again, so pages render from the
    database and comments are still accepted.
    """

    def _safely(self, operation, fallback, *args, **kwargs):
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except REDIS_FAILURES as error:
            logger.warning("Redis unavailable during cache.%s: %s", operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._safely("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._safely("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._safely("has_key", False, key, version)

    def set(self, key, value, timeout=None, version=None):
        return self._safely("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._safely("set_many", [], data, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._safely("add", True, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._safely("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._safely("incr", delta, key, delta, version)

    def delete(self, key, version=None):
        return self._safely("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._safely("delete_many", None, keys, version)

    def clear(self):
        return self._safely("clear", None)
