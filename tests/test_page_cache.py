"""Pages cached for anonymous readers, dropped precisely when what they show changes."""

import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import services
from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from core import pagecache
from reviews.models import Credit, Person, Review
from reviews.views import TagDetailView

pytestmark = pytest.mark.usefixtures("page_cache")


class Clock:
    """The time as the page cache (``time.time``) and the site (``timezone.now``) read it,
    stopped at the moment the test began and moved on only by ``advance``."""

    def __init__(self, monkeypatch):
        self.start, self.elapsed = time.time(), 0.0
        monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=self.time))
        monkeypatch.setattr(timezone, "now", self.now)

    def time(self):
        return self.start + self.elapsed

    def now(self):
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds):
        self.elapsed += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def hidden_value(page, name):
    return re.search(rf'name="{name}" value="([^"]+)"', page.text).group(1)


def without_per_reader_values(page):
    """The page but for the values made for each reader: forms' times of issue."""
    return re.sub(r'name="issued" value="[^"]+"', "", page.text)


def hit(response):
    return response.get("X-Page-Cache") == "hit"


def fetch(url, client=None):
    return (client or Client()).get(url)


@pytest.fixture
def two_reviews(make_film, make_review, committed):
    with committed():
        first = make_review(headline="First light", film=make_film(title="Moon"))
        second = make_review(headline="Second sight", film=make_film(title="Her"))
    return first, second


def test_a_readers_second_visit_is_served_from_the_cache(two_reviews):
    first, _ = two_reviews
    assert not hit(fetch(first.get_absolute_url()))
    again = fetch(first.get_absolute_url())
    assert hit(again)
    assert "First light" in again.text


def test_editing_a_review_refreshes_its_pages_and_nothing_else(two_reviews, committed):
    first, second = two_reviews
    for url in ("/", first.get_absolute_url(), second.get_absolute_url(), "/films/"):
        fetch(url)
    with committed():
        first.headline = "First light, revised"
        first.save()
    review_page = fetch(first.get_absolute_url())
    home = fetch("/")
    assert not hit(review_page) and "First light, revised" in review_page.text
    assert not hit(home) and "First light, revised" in home.text
    assert hit(fetch(second.get_absolute_url()))


def test_publishing_a_review_refreshes_the_listings(two_reviews, make_review, committed):
    fetch("/")
    first, _ = two_reviews
    with committed():
        draft = make_review(headline="Fresh from the festival", status=Review.Status.DRAFT)
    assert hit(fetch("/"))
    with committed():
        draft.status = Review.Status.PUBLISHED
        draft.save()
    home = fetch("/")
    assert not hit(home)
    assert "Fresh from the festival" in home.text


def test_a_scheduled_review_appears_when_its_time_comes(two_reviews, make_review, committed, clock):
    with committed():
        make_review(
            headline="Right on time",
            status=Review.Status.SCHEDULED,
            publish_at=timezone.now() + timedelta(seconds=2),
        )
    assert "Right on time" not in fetch("/").text
    clock.advance(2.5)
    assert "Right on time" in fetch("/").text


def test_an_approved_comment_shows_at_once_and_a_removed_one_vanishes_at_once(
    two_reviews, committed, moderator
):
    first, second = two_reviews
    fetch(first.get_absolute_url())
    fetch(second.get_absolute_url())
    with committed():
        comment = Comment.objects.create(
            review=first, author_name="Ann", author_email="ann@example.com", body="Lovely score."
        )
    assert hit(fetch(first.get_absolute_url()))  # pending: nothing public changed
    with committed():
        services.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)
    assert "Lovely score." in fetch(first.get_absolute_url()).text
    assert "1 comment" in fetch("/").text
    assert hit(fetch(second.get_absolute_url()))
    with committed():
        services.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.SPAM, moderator)
    assert "Lovely score." not in fetch(first.get_absolute_url()).text
    with committed():
        services.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)
    fetch(first.get_absolute_url())
    with committed():
        Comment.objects.get(pk=comment.pk).delete()
    assert "Lovely score." not in fetch(first.get_absolute_url()).text


def test_changing_a_films_credits_or_tags_refreshes_its_pages_only(two_reviews, committed):
    first, second = two_reviews
    urls = [first.get_absolute_url(), first.film.get_absolute_url(), second.film.get_absolute_url()]
    for url in urls:
        fetch(url)
    with committed():
        director = Person.objects.create(name="Duncan Jones", slug="duncan-jones")
        Credit.objects.create(film=first.film, person=director, role=Credit.Role.DIRECTOR)
    assert "Duncan Jones" in fetch(first.get_absolute_url()).text
    assert "Duncan Jones" in fetch(first.film.get_absolute_url()).text
    assert hit(fetch(second.film.get_absolute_url()))
    with committed():
        first.film.tags.add("lunar isolation")
    assert "lunar isolation" in fetch(first.film.get_absolute_url()).text


def test_signed_in_staff_never_get_a_cached_page(two_reviews, admin_user, make_review, committed):
    first, _ = two_reviews
    with committed():
        draft = make_review(headline="Not yet", status=Review.Status.DRAFT)
    fetch("/")
    staff = Client()
    staff.force_login(admin_user)
    assert not hit(staff.get("/"))
    preview = staff.get(draft.get_absolute_url())
    assert "Preview: this review is draft" in preview.text
    assert not hit(staff.get(draft.get_absolute_url()))
    assert fetch(draft.get_absolute_url()).status_code == 404


def post_comment(client, review, page):
    return client.post(
        f"/reviews/{review.pk}/comments/",
        {
            "author_name": "Bea",
            "author_email": "bea@example.com",
            "body": "Waiting for a moderator.",
            "issued": signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT),
        },
    )


def test_a_reader_of_a_cached_page_posts_a_comment_without_any_csrf_cookie(two_reviews):
    first, _ = two_reviews
    fetch(first.get_absolute_url())
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(first.get_absolute_url())
    assert hit(page)
    assert "csrftoken" not in reader.cookies and "csrfmiddlewaretoken" not in page.text
    assert post_comment(reader, first, page).status_code == 302
    assert Comment.objects.filter(body="Waiting for a moderator.").exists()


def test_a_page_is_served_whole_from_another_process_or_from_this_ones_copy(two_reviews):
    first, _ = two_reviews
    rendered = fetch(first.get_absolute_url())
    pagecache.local_pages.clear()  # as in another server process
    from_shared = fetch(first.get_absolute_url())
    from_local = fetch(first.get_absolute_url())
    assert hit(from_shared) and hit(from_local)
    assert without_per_reader_values(from_shared) == without_per_reader_values(rendered)
    assert without_per_reader_values(from_local) == without_per_reader_values(rendered)


def test_each_process_keeps_only_as_many_pages_as_its_budget_allows():
    pages = pagecache.LocalPages(max_bytes=10)
    pages.put("a", {"etag": '"1"'}, [b"1234"])
    pages.put("b", {"etag": '"2"'}, [b"12", b"34"])
    pages.get("a")  # used lately: kept
    pages.put("c", {"etag": '"3"'}, [b"1234"])
    pages.put("big", {"etag": '"4"'}, [b"12345678901"])
    assert pages.get("a").parts == [b"1234"]
    assert pages.get("b") is None
    assert pages.get("c").parts == [b"1234"]
    assert pages.get("big") is None


def test_a_newer_copy_of_a_page_replaces_the_older_in_the_budget():
    pages = pagecache.LocalPages(max_bytes=10)
    pages.put("a", {"etag": '"1"'}, [b"12345678"])
    pages.put("a", {"etag": '"2"'}, [b"87654321"])
    assert (pages.get("a").record, pages.get("a").parts) == ({"etag": '"2"'}, [b"87654321"])
    assert pages.size == 8


def test_a_commenter_with_a_pending_comment_sees_it_and_others_do_not(two_reviews):
    first, _ = two_reviews
    fetch(first.get_absolute_url())
    commenter = Client(enforce_csrf_checks=True)
    post_comment(commenter, first, commenter.get(first.get_absolute_url()))
    own = commenter.get(first.get_absolute_url())
    assert not hit(own)
    assert "Waiting for a moderator." in own.text
    other = fetch(first.get_absolute_url())
    assert "Waiting for a moderator." not in other.text


@pytest.mark.parametrize("url", ["review", "/feeds/reviews/rss/", "/feeds/reviews/atom/"])
def test_review_pages_and_feeds_answer_conditional_requests(two_reviews, url, committed):
    first, _ = two_reviews
    url = first.get_absolute_url() if url == "review" else url
    etag = fetch(url)["ETag"]
    client = Client()
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    with committed():
        first.rating_value, first.rating_best = Decimal("3"), 4
        first.save()
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_tag_counts_on_cached_pages_follow_tags_added(make_film, committed):
    film = make_film()
    with committed():
        film.tags.add("noir")
    for url in ("/", "/tags/"):
        fetch(url)
    with committed():
        make_film().tags.add("noir")
    for url in ("/", "/tags/"):
        page = fetch(url)
        assert not hit(page)
        assert re.search(r'noir(</a>)? <span class="count">2</span>', page.text), url


def test_a_tag_page_is_refreshed_by_the_films_it_shows_not_by_the_others(
    make_film, committed, monkeypatch
):
    monkeypatch.setattr(TagDetailView, "films_shown", 1)
    with committed():
        hidden, shown = make_film(title="Alphaville"), make_film(title="Brick")
        hidden.tags.add("noir")
        shown.tags.add("noir")
    assert "Brick</a>" in fetch("/tags/noir/").text
    with committed():
        hidden.title = "Alphaville, restored"
        hidden.save()
    assert hit(fetch("/tags/noir/"))
    with committed():
        shown.title = "Brick, restored"
        shown.save()
    page = fetch("/tags/noir/")
    assert not hit(page)
    assert "Brick, restored</a>" in page.text


def test_each_reader_of_a_cached_page_gets_a_form_issued_to_them(two_reviews):
    first, _ = two_reviews
    rendered = fetch(first.get_absolute_url())
    one, other = fetch(first.get_absolute_url()), fetch(first.get_absolute_url())
    assert hit(one) and hit(other)
    assert "per-reader" not in rendered.text + one.text
    assert hidden_value(one, "issued") != hidden_value(other, "issued")
    assert without_per_reader_values(one) == without_per_reader_values(other)


def post_from_page(client, review, page, **fields):
    return client.post(
        f"/reviews/{review.pk}/comments/",
        {
            "issued": hidden_value(page, "issued"),
            "author_name": "Cy",
            "author_email": "cy@example.com",
            "body": "Posted from a cached page.",
            **fields,
        },
    )


def test_a_comment_sent_at_once_from_a_page_cached_long_ago_is_held_as_too_fast(
    two_reviews, monkeypatch
):
    first, _ = two_reviews
    with monkeypatch.context() as earlier:
        rendered_at = time.time() - 2 * 60
        earlier.setattr(time, "time", lambda: rendered_at)
        fetch(first.get_absolute_url())
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(first.get_absolute_url())
    assert hit(page)

    post_from_page(reader, first, page)

    comment = Comment.objects.get(body="Posted from a cached page.")
    assert (comment.status, comment.held_reason) == (
        Comment.Status.PENDING,
        Comment.Reason.TOO_FAST,
    )


def test_a_comment_written_for_longer_than_the_minimum_is_not_held_as_too_fast(
    two_reviews, settings
):
    first, _ = two_reviews
    fetch(first.get_absolute_url())
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(first.get_absolute_url())
    issued = signing.dumps(time.time() - settings.COMMENTS_MIN_SECONDS - 1, salt=TIMESTAMP_SALT)

    post_from_page(reader, first, page, issued=issued)

    comment = Comment.objects.get(body="Posted from a cached page.")
    assert comment.held_reason == Comment.Reason.MODERATION


def test_a_staff_members_new_name_refreshes_the_pages_of_their_replies(
    two_reviews, editor, committed
):
    first, second = two_reviews
    with committed():
        question = Comment.objects.create(
            review=first, author_name="Ruth", body="Who runs this?", status=Comment.Status.APPROVED
        )
        services.reply_as_staff(Comment(parent=question, body="A small team."), editor)
    fetch(first.get_absolute_url()), fetch(second.get_absolute_url())

    with committed():
        editor.first_name, editor.last_name = "Edith", "Park"
        editor.save()

    page = fetch(first.get_absolute_url())
    assert not hit(page) and "Edith Park" in page.text
    assert hit(fetch(second.get_absolute_url()))


def test_a_tag_page_follows_its_films_tags_and_the_reviews_published_of_them(
    make_film, make_review, committed
):
    with committed():
        make_film(title="Alphaville").tags.add("noir")
        film = make_film(title="Brick")
        make_review(film=film, headline="Hammett in the hallways")
        draft = make_review(film=film, headline="A second look", status=Review.Status.DRAFT)
    assert "No reviews with this tag yet" in fetch("/tags/noir/").text
    with committed():
        film.tags.add("noir")
    page = fetch("/tags/noir/")
    assert not hit(page) and "Hammett in the hallways" in page.text
    assert hit(fetch("/tags/noir/"))
    with committed():
        draft.status = Review.Status.PUBLISHED
        draft.save()
    page = fetch("/tags/noir/")
    assert not hit(page) and "A second look" in page.text
    with committed():
        film.tags.remove("noir")
    page = fetch("/tags/noir/")
    assert not hit(page) and "Hammett in the hallways" not in page.text


def test_text_that_looks_like_a_per_reader_value_is_shown_as_it_is(make_review, committed):
    """A body stored by other means (an import, the shell) that holds the cache's own
    placeholder bytes neither breaks the page nor receives a reader's value."""
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL stores no NUL byte, so no stored text can look like one.")
    with committed():
        review = make_review(headline="Odd bytes")
    Review.objects.filter(pk=review.pk).update(
        body_html="<p>before \x00per-reader:unknown\x00 after</p>"
    )
    first, again = fetch(review.get_absolute_url()), fetch(review.get_absolute_url())
    assert first.status_code == again.status_code == 200
    assert hit(again)
    assert "before \x00per-reader:unknown\x00 after" in again.text


def test_a_search_is_kept_briefly_by_its_query_as_searched(two_reviews, clock, settings):
    settings.SEARCH_CACHE_SECONDS = 60
    assert "First light" in fetch("/search/?q=first+light").text
    again = fetch("/search/?q=++first+++light+")
    assert hit(again) and "First light" in again.text

    clock.advance(61)
    assert not hit(fetch("/search/?q=first+light"))


def test_a_search_is_dropped_when_the_catalogue_changes(two_reviews, committed):
    first, _ = two_reviews
    fetch("/search/?q=moon")
    assert hit(fetch("/search/?q=moon"))

    with committed():
        first.film.title = "Moon Landing"
        first.film.save()

    fresh = fetch("/search/?q=moon")
    assert not hit(fresh) and "Moon Landing" in fresh.text


def test_a_review_page_rendered_again_for_another_reason_reuses_its_comment_threads(
    two_reviews, committed, moderator
):
    first, _ = two_reviews
    with committed():
        comment = Comment.objects.create(
            review=first, author_name="Ann", author_email="ann@example.com", body="Lovely score."
        )
        services.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)
    fetch(first.get_absolute_url())
    with committed():
        first.film.tags.add("space")  # the page is stale, its comments are not

    with CaptureQueriesContext(connection) as queries:
        again = fetch(first.get_absolute_url())

    assert not hit(again)
    assert "Lovely score." in again.text and "1 response" in again.text
    assert not [q for q in queries.captured_queries if "comments_comment" in q["sql"]]


def test_each_process_keeps_only_as_many_blocks_as_its_budget_allows():
    blocks = pagecache.LocalCopies(max_bytes=10)
    blocks.put("a", "first", 5)
    blocks.put("b", "second", 5)
    blocks.get("a")  # used lately: kept
    blocks.put("c", "third", 5)
    blocks.put("big", "too big", 11)
    assert [blocks.get(key) for key in ("a", "b", "c", "big")] == ["first", None, "third", None]
    assert blocks.size == 10


def test_a_block_is_used_from_memory_when_the_shared_cache_no_longer_holds_it(page_cache):
    pagecache.keep("block:1", ({"review:1": "v1"}, "<p>threads</p>"), 600)
    cache.delete("block:1")
    assert pagecache.kept("block:1") == ({"review:1": "v1"}, "<p>threads</p>")
    pagecache.local_blocks.clear()  # as in another server process
    assert pagecache.kept("block:1") is None
