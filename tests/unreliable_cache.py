"""A cache that can be made to fail as core.resilience.ResilientRedisCache fails: reads
miss, writes are dropped, ``set_many`` returns the keys it could not set."""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class UnreliableCache(LocMemCache):
    down = False  # for every instance, as an outage is for every thread

    def get(self, key, default=None, version=None):
        return default if self.down else super().get(key, default, version)

    def get_many(self, keys, version=None):
        return {} if self.down else super().get_many(keys, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return True if self.down else super().add(key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if not self.down:
            super().set(key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return list(data) if self.down else super().set_many(data, timeout, version)
