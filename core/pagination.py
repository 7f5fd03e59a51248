"""Paginators that never count more rows than the pages they offer.

Django's ``Paginator`` counts every matching row to number its pages: at a million
comments that is a scan of the table on each page load, and the last pages are reached
with an OFFSET as large. ``CappedPaginator`` counts at most ``cap`` rows (one
``SELECT COUNT(*) FROM (SELECT ... LIMIT cap + 1)``) and offers only the pages within
them. Beyond the cap its count is an ``ApproximateCount``: the cap as a number, so the
page arithmetic still works, that reads "more than 10,000", or on PostgreSQL "about
1,000,000" from the planner's estimate, wherever it is shown.

``SeekPaginator`` (and ``ListingPaginator``, for the lists of reviews newest first) finds
its pages by where each one starts instead (seek pagination): one walk over the sort keys
of at most ``cap`` rows gives the count and the first row of every page, kept in the cache
until the list changes, and each page is then read from the index at its start, however
deep.
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.utils import timezone
from django.utils.functional import cached_property

from core.pagecache import current_versions

DEFAULT_COUNT_CAP = 10_000


class ApproximateCount(int):
    """A count known only to be more than ``cap``: equal to the cap as a number, shown
    as "more than 10,000", or "about 1,000,000" when an estimate is known."""

    def __new__(cls, cap, estimate=None):
        count = super().__new__(cls, cap)
        count.estimate = estimate
        return count

    def __str__(self):
        if self.estimate:
            return f"about {self.estimate:,}"
        return f"more than {int(self):,}"

    def __repr__(self):
        return f"ApproximateCount({int(self)}, estimate={self.estimate!r})"


def capped_count(queryset, cap):
    """How many rows the queryset has, counting no more than ``cap + 1`` of them."""
    return queryset.order_by()[: cap + 1].count()


def planner_estimate(queryset):
    """PostgreSQL's estimate of the queryset's number of rows (no rows are read), or None
    on other databases. Rounded to two significant figures: it is an estimate."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = int(plan[0]["Plan"]["Plan Rows"])
    return round(rows, 2 - len(str(rows))) if rows >= 100 else rows


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows and offers the pages within them.

    The cap is ``max_pages`` pages' worth when set, or else ``settings.PAGINATOR_COUNT_CAP``
    (10,000 by default). With ``estimate`` on, a count over the cap carries PostgreSQL's
    estimate of the real number, for display.
    """

    max_pages = None
    estimate = True

    @cached_property
    def cap(self):
        if self.max_pages:
            return self.max_pages * self.per_page
        return getattr(settings, "PAGINATOR_COUNT_CAP", DEFAULT_COUNT_CAP)

    @cached_property
    def count(self):
        if not hasattr(self.object_list, "query"):  # a list, or search results: small
            return super().count
        counted = capped_count(self.object_list, self.cap)
        if counted <= self.cap:
            return counted
        estimate = planner_estimate(self.object_list) if self.estimate else None
        return ApproximateCount(self.cap, estimate if estimate and estimate > self.cap else None)

    @property
    def truncated(self):
        """True when there are more rows than the pages offered."""
        return isinstance(self.count, ApproximateCount)


# A list's pages are found again after this long at the latest, even if nothing said it
# changed.
PAGE_STARTS_SECONDS = 600


def order_of(queryset):
    """The queryset's order as ``[(field, descending)]`` when it ends with the primary key
    (so that it is a total order seek pagination can resume), or else None."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    if not ordering or not all(isinstance(field, str) for field in ordering):
        return None
    order = [(field.lstrip("-"), field.startswith("-")) for field in ordering]
    if order[-1][0] not in ("pk", "id", queryset.model._meta.pk.name):
        return None
    return order


def starting_at(queryset, order, start):
    """The rows of the queryset from ``start`` (the values of ``order``'s fields) on: the
    first field bounded, so that an index on the order is read from there, and the rows
    tied with ``start`` on the first fields but before it on the next one left out."""
    (first, descending), first_value = order[0], start[0]
    rows = queryset.filter(**{f"{first}__{'lte' if descending else 'gte'}": first_value})
    for n in range(1, len(order)):
        field, descending = order[n]
        tied = {name: value for (name, _), value in zip(order[:n], start[:n], strict=True)}
        before = {f"{field}__{'gt' if descending else 'lt'}": start[n]}
        rows = rows.exclude(**tied, **before)
    return rows


class SeekPaginator(CappedPaginator):
    """A capped paginator that finds its pages by where each one starts (seek pagination).

    Given a ``listing`` name, the pages of a list in a total order (ending with the primary
    key) are found once, ``page_starts``: one walk over at most ``cap`` rows' sort keys,
    cached until one of the page-cache keys ``depends_on`` changes, or ``changes_at()``
    (when a scheduled review goes live) comes. Each page then starts at its first row,
    read from the index, where an OFFSET would read every row before it. The first page
    needs no start. Without a name, or in another order, pages are counted and read by
    OFFSET.
    """

    def __init__(self, *args, listing=None, depends_on=(), changes_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing, self.depends_on, self.changes_at = listing, depends_on, changes_at

    @cached_property
    def order(self):
        if self.listing is None or not hasattr(self.object_list, "query"):
            return None
        return order_of(self.object_list)

    @cached_property
    def fields(self):
        return [field for field, _ in self.order]

    @cached_property
    def newest(self):
        """The sort key of the list's first row (None when empty): known once the first
        page is read, or else read on its own."""
        return self.object_list.values_list(*self.fields).first()

    @cached_property
    def page_starts(self):
        """``{"count": rows up to cap + 1, "starts": [the sort key of each page's first
        row]}``, from the cache or from one walk over the rows' keys. Found again when a
        key in ``depends_on`` changes, and whenever the list's first row is not the one
        they were found with (a review published since, before its change was heard)."""
        versions = current_versions(self.depends_on)
        signature = json.dumps(
            [self.listing, self.per_page, self.cap, versions, self.newest], default=str
        )
        key = "page-starts:" + hashlib.sha256(signature.encode()).hexdigest()
        found = cache.get(key)
        if found is not None and (found["until"] is None or timezone.now() < found["until"]):
            return found
        rows = list(self.object_list.values_list(*self.fields)[: self.cap + 1])
        until = self.changes_at() if self.changes_at else None
        found = {"count": len(rows), "starts": rows[:: self.per_page], "until": until}
        seconds = PAGE_STARTS_SECONDS
        if until is not None:
            seconds = max(1, min(seconds, int((until - timezone.now()).total_seconds()) + 1))
        cache.set(key, found, seconds)
        return found

    @cached_property
    def count(self):
        if self.order is None:
            return super().count
        counted = self.page_starts["count"]
        return counted if counted <= self.cap else ApproximateCount(self.cap)

    def page(self, number):
        """The page's rows from its first one on, as many as a page holds: right even if a
        change to the list has not yet reached the cached count."""
        if self.order is None:
            return super().page(number)
        if number in (1, "1"):
            rows = list(self.object_list[: self.per_page])
            first = rows[0] if rows else None
            self.newest = None if first is None else tuple(getattr(first, f) for f in self.fields)
            return self._get_page(rows, self.validate_number(1), self)
        number = self.validate_number(number)
        starts = self.page_starts["starts"]
        rows = self.object_list
        if 1 < number <= len(starts):
            rows = starting_at(rows, self.order, starts[number - 1])
        return self._get_page(rows[: self.per_page], number, self)


class ListingPaginator(SeekPaginator):
    """For the public lists of reviews: the newest 100 pages, no deeper. Older reviews are
    reached by search, tags, films and the feeds."""

    max_pages = 100
    estimate = False
