"""Paginators that never count more rows than the pages they offer.

Django's ``Paginator`` counts every matching row to number its pages: at a million
comments that is a scan of the table on each page load, and the last pages are reached
with an OFFSET as large. ``CappedPaginator`` counts at most ``cap`` rows (one
``SELECT COUNT(*) FROM (SELECT ... LIMIT cap + 1)``) and offers only the pages within
them. Beyond the cap its count is an ``ApproximateCount``: the cap as a number, so the
page arithmetic still works, that reads "more than 10,000", or on PostgreSQL "about
1,000,000" from the planner's estimate, wherever it is shown.
"""

import json

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

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


class ListingPaginator(CappedPaginator):
    """For the public lists of reviews: the newest 100 pages, no deeper.

    Older reviews are reached by search, tags, films and the feeds; the deepest page costs
    an OFFSET of a hundred pages, not of the whole archive.
    """

    max_pages = 100
    estimate = False
