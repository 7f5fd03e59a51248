"""Paginators that never count more rows than the pages they offer.

Django's ``Paginator`` counts every matching row to number its pages: at a million
comments that is a scan of the table on each page load, and the last pages are reached
with an OFFSET as large. ``CappedPaginator`` counts at most ``cap`` rows (one
``SELECT COUNT(*) FROM (SELECT ... LIMIT cap + 1)``) and offers only the pages within
them. Beyond the cap its count is an ``ApproximateCount``: the cap as a number, so the
page arithmetic still works, that reads "more than 10,000", or on PostgreSQL "about
1,000,000" from the planner's estimate, wherever it is shown.

``ListingPaginator``, for the lists of reviews newest first, finds its pages by where each
one starts instead (seek pagination): one walk over the keys of at most ``cap`` rows gives
the count and the first row of every page, kept in the cache until the list changes, and
each page is then read from the index at its start, however deep.
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


# The order seek pagination knows how to resume: newest first, then the highest id.
NEWEST_FIRST = ["-publish_at", "-id"]
# A listing's pages are found again after this long at the latest, even if nothing said
# it changed.
LISTING_PAGES_SECONDS = 600


class ListingPaginator(CappedPaginator):
    """For the public lists of reviews: the newest 100 pages, no deeper.

    Older reviews are reached by search, tags, films and the feeds. Given a ``listing``
    name, the pages of a list newest first are found once (``page_starts``) and cached
    until one of the page-cache keys ``depends_on`` changes, or ``changes_at()`` (when a
    scheduled review goes live) comes; each page then starts at its first row, read from
    the index, where an OFFSET would read every row before it. Without a name, or in
    another order, pages are counted and read by OFFSET.
    """

    max_pages = 100
    estimate = False

    def __init__(self, *args, listing=None, depends_on=(), changes_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing, self.depends_on, self.changes_at = listing, depends_on, changes_at

    @property
    def seeks(self):
        if self.listing is None or not hasattr(self.object_list, "query"):
            return False
        ordering = self.object_list.query.order_by or self.object_list.model._meta.ordering
        return list(ordering) == NEWEST_FIRST

    @cached_property
    def page_starts(self):
        """``{"count": rows up to cap + 1, "starts": [(publish_at, id) of each page's first
        row]}``, from the cache or from one walk over the rows' keys."""
        versions = current_versions(self.depends_on)
        signature = json.dumps([self.listing, self.per_page, self.cap, versions])
        key = "listing-pages:" + hashlib.sha256(signature.encode()).hexdigest()
        found = cache.get(key)
        if found is not None and (found["until"] is None or timezone.now() < found["until"]):
            return found
        rows = list(self.object_list.values_list("publish_at", "pk")[: self.cap + 1])
        until = self.changes_at() if self.changes_at else None
        found = {"count": len(rows), "starts": rows[:: self.per_page], "until": until}
        seconds = LISTING_PAGES_SECONDS
        if until is not None:
            seconds = max(1, min(seconds, int((until - timezone.now()).total_seconds()) + 1))
        cache.set(key, found, seconds)
        return found

    @cached_property
    def count(self):
        if not self.seeks:
            return super().count
        counted = self.page_starts["count"]
        return counted if counted <= self.cap else ApproximateCount(self.cap)

    def page(self, number):
        """The page's rows from its first one on. The first page needs no start: it is
        right even before a change to the list reaches the cached starts."""
        if not self.seeks:
            return super().page(number)
        number = self.validate_number(number)
        starts = self.page_starts["starts"]
        rows = self.object_list
        if 1 < number <= len(starts):
            start_at, start_id = starts[number - 1]
            rows = rows.filter(publish_at__lte=start_at).exclude(
                publish_at=start_at, pk__gt=start_id
            )
        return self._get_page(rows[: self.per_page], number, self)
