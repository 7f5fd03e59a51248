"""A review's comments as threads (a top-level comment with its replies), in pages of
``COMMENTS_THREADS_PER_PAGE`` threads, oldest or newest first; replies stay with their thread,
oldest first."""

from dataclasses import dataclass, field
from math import ceil
from urllib.parse import urlencode

from django.conf import settings

OLDEST, NEWEST = "oldest", "newest"
PAGE_PARAMETER, ORDER_PARAMETER = "comments", "order"


def build_threads(comments):
    """Arrange comments (oldest first) into top-level threads with ``children`` lists.

    A reply whose parent is not shown (taken down after the reply was approved) starts a
    thread of its own, so every comment counted in "N responses" is on a page.
    """
    by_id = {comment.pk: comment for comment in comments}
    threads = []
    for comment in comments:
        comment.children = []
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        if parent is not None:
            parent.children.append(comment)
        else:
            threads.append(comment)
    return threads


@dataclass
class Place:
    """Where a shown comment stands, without the comment: enough to page threads, count
    them and know what may be answered."""

    pk: int
    parent_id: int | None
    status: str
    can_reply: bool
    children: list = field(default_factory=list)


def every_comment(threads):
    """The comments of these threads, replies included."""
    found, stack = [], list(threads)
    while stack:
        comment = stack.pop()
        found.append(comment)
        stack.extend(comment.children)
    return found


def thread_roots(comments):
    """{comment id: the id of its thread's top-level comment} for comments oldest first."""
    parents = {comment.pk: comment.parent_id for comment in comments}
    roots = {}
    for pk in parents:
        root = pk
        while parents.get(root) in parents:
            root = parents[root]
        roots[pk] = root
    return roots


def page_address(number=None, order=OLDEST):
    """The query string (``?comments=2&order=newest``) of a page of threads; empty for the
    first page, oldest first."""
    query = {}
    if (number or 1) > 1:
        query[PAGE_PARAMETER] = number
    if order != OLDEST:
        query[ORDER_PARAMETER] = order
    return f"?{urlencode(query)}" if query else ""


@dataclass
class ThreadPage:
    threads: list  # the top-level comments of this page, with their ``children``
    number: int
    page_count: int
    order: str

    def address(self, number=None, order=None):
        """The query string of a page (``page_address``), in this page's order unless told."""
        return page_address(number, order or self.order)

    @property
    def links(self):
        """(number, address, is this page) of every page, when there is more than one."""
        if self.page_count < 2:
            return []
        return [(n, self.address(n), n == self.number) for n in range(1, self.page_count + 1)]

    @property
    def other_order(self):
        return NEWEST if self.order == OLDEST else OLDEST

    @property
    def other_order_address(self):
        """The first page in the other order."""
        return self.address(1, self.other_order) or "?"


def requested_page(query):
    """(page number, order) a request's query asks for; anything unreadable is page 1,
    oldest first."""
    number = query.get(PAGE_PARAMETER, "1")
    order = query.get(ORDER_PARAMETER, OLDEST)
    number = int(number) if number.isdigit() and len(number) < 6 else 1
    return max(number, 1), order if order in (OLDEST, NEWEST) else OLDEST


def page_of(threads, number, order):
    """The ThreadPage of these threads (oldest first) at that number (the last one when
    past it) in that order."""
    if order == NEWEST:
        threads = threads[::-1]
    per_page = settings.COMMENTS_THREADS_PER_PAGE
    page_count = max(1, ceil(len(threads) / per_page))
    number = min(number, page_count)
    start = (number - 1) * per_page
    return ThreadPage(threads[start : start + per_page], number, page_count, order)


def page_holding(comments, comment_id):
    """The number of the page (oldest first) holding the thread of that comment."""
    roots = thread_roots(comments)
    top_level = [comment.pk for comment in comments if roots[comment.pk] == comment.pk]
    position = top_level.index(roots[comment_id])
    return position // settings.COMMENTS_THREADS_PER_PAGE + 1
