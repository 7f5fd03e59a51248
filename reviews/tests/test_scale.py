"""Lists that stay fast at scale: capped counts, bounded public pages, and listings read
from an index. Archive-sized data is built in tests/test_archive.py."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from core.pagination import (
    ApproximateCount,
    CappedPaginator,
    ListingPaginator,
    order_of,
    starting_at,
)
from reviews.models import Critic, Film, Review
from tests.queries import query_plan

REVIEW_LIST = reverse("admin:reviews_review_changelist")
ESTIMATE_OR_CAP = r"(more than {cap}|about [\d,]+)"


def reviews(make_review, count, **fields):
    return [make_review(**fields) for _ in range(count)]


# The paginator


def test_approximate_count_is_the_cap_as_a_number_and_reads_as_more_or_about():
    assert ApproximateCount(10_000) == 10_000
    assert str(ApproximateCount(10_000)) == "more than 10,000"
    assert str(ApproximateCount(10_000, estimate=1_200_000)) == "about 1,200,000"


def test_count_under_the_cap_is_exact(settings, make_review):
    settings.PAGINATOR_COUNT_CAP = 10
    reviews(make_review, 7)

    paginator = CappedPaginator(Review.objects.order_by("pk"), 2)

    assert paginator.count == 7 and type(paginator.count) is int
    assert paginator.num_pages == 4 and not paginator.truncated


def test_count_over_the_cap_reads_only_the_cap_and_offers_its_pages(settings, make_review):
    settings.PAGINATOR_COUNT_CAP = 5
    reviews(make_review, 7)

    paginator = CappedPaginator(Review.objects.order_by("pk"), 2)
    with CaptureQueriesContext(connection) as context:
        count = paginator.count

    assert isinstance(count, ApproximateCount) and count == 5
    assert "LIMIT 6" in context.captured_queries[0]["sql"]
    assert re.fullmatch(ESTIMATE_OR_CAP.format(cap=5), str(count))
    assert paginator.truncated and paginator.num_pages == 3
    assert len(paginator.page(3).object_list) == 1


def test_postgresql_adds_its_estimate_and_sqlite_does_not(settings, make_review):
    settings.PAGINATOR_COUNT_CAP = 1
    reviews(make_review, 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    count = CappedPaginator(Review.objects.order_by("pk"), 10).count

    if connection.vendor == "postgresql":
        assert count.estimate == 3 and str(count) == "about 3"
    else:
        assert count.estimate is None and str(count) == "more than 1"


# Public lists: the newest pages only


@pytest.fixture
def two_pages_at_most(monkeypatch):
    monkeypatch.setattr(ListingPaginator, "max_pages", 2)


@pytest.mark.parametrize("url", ["/", "/tags/noir/"])
def test_the_last_page_offered_sends_readers_to_search_and_tags(
    client, make_review, two_pages_at_most, url
):
    for review in reviews(make_review, 30):
        review.tags.add("noir")

    last = client.get(url, {"page": 2})

    assert last.status_code == 200
    assert "Older reviews are not listed page by page" in last.text
    assert 'rel="next"' not in last.text
    assert re.search(r"<span>Page 2</span>", last.text)
    assert client.get(url, {"page": 3}).status_code == 404


def test_a_short_list_still_says_how_many_pages(client, make_review, two_pages_at_most):
    reviews(make_review, 13)

    first = client.get("/")

    assert "<span>Page 1 of 2</span>" in first.text
    assert 'rel="next"' in first.text
    assert "Older reviews are not listed" not in first.text


def headlines_shown(response):
    return re.findall(r'card__headline"><a href="[^"]*">([^<]*)</a>', response.text)


@pytest.mark.parametrize("url", ["/", "/tags/noir/", "/critics/noir-critic/"])
def test_pages_found_by_their_first_review_follow_on_without_gap_or_repeat(
    client, make_review, url
):
    critic = Critic.objects.create(name="Noir critic", slug="noir-critic")
    # Ten reviews published at the same moment straddle the first pages' boundaries.
    moment = timezone.now() - timezone.timedelta(days=1)
    for n in range(40):
        when = moment if 8 <= n < 18 else moment - timezone.timedelta(hours=n)
        review = make_review(headline=f"Noir review {n}", publish_at=when, critic=critic)
        review.tags.add("noir")
    newest_first = list(Review.objects.published().values_list("headline", flat=True))

    pages = [client.get(url, {"page": number}) for number in (1, 2, 3, 4)]

    assert [headlines_shown(page) for page in pages] == [
        newest_first[0:12],
        newest_first[12:24],
        newest_first[24:36],
        newest_first[36:40],
    ]
    assert "<span>Page 3 of 4</span>" in pages[2].text
    assert client.get(url, {"page": 5}).status_code == 404


def test_pages_of_films_follow_on_through_films_of_the_same_title_and_year(
    client, make_film, make_review
):
    # Remakes share a title, and some a year too: a page may end among them.
    for n in range(65):
        title, year = ("Solaris", 1972 + n % 3) if 25 <= n < 40 else (f"Film {n:02}", 2000)
        make_review(film=make_film(title=title, year=year))
    in_order = Film.objects.reviewed().order_by("title", "year", "pk")
    expected = [(film.title, str(film.year)) for film in in_order]

    pages = [client.get("/films/", {"page": number}) for number in (1, 2, 3)]

    shown = [
        re.findall(
            r'<th scope="row"><a href="[^"]*">([^<]*)</a></th>\s*<td>.*?</td>\s*<td>(\d+)</td>',
            page.text,
        )
        for page in pages
    ]
    assert shown == [expected[0:30], expected[30:60], expected[60:65]]
    assert client.get("/films/", {"page": 4}).status_code == 404


def test_a_review_published_since_the_pages_were_found_is_on_the_first_page(client, make_review):
    reviews(make_review, 13)
    client.get("/")  # the pages found, and cached: no commit here tells the cache otherwise

    make_review(headline="Just published")

    assert headlines_shown(client.get("/"))[0] == "Just published"
    assert len(headlines_shown(client.get("/"))) == 12


# The review admin


def test_review_admin_queries_are_few_and_do_not_grow(
    editor_client, make_review, make_film, django_assert_max_num_queries
):
    def grow(count):
        for n in range(count):
            review = make_review(film=make_film(), rating_value=Decimal(n % 5), rating_best=4)
            review.tags.add(f"tag-{n % 7}")

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = editor_client.get(REVIEW_LIST)
        return response, len(context.captured_queries)

    grow(3)
    editor_client.get(REVIEW_LIST)  # content types are cached after the first request
    _, small = queries()
    grow(40)

    # Session, user, two for permissions, two for the years, the scales, the films, the
    # tags, the count, the page.
    with django_assert_max_num_queries(11):
        response, large = queries()

    assert large == small
    assert len(response.context["cl"].result_list) == 43


def test_review_admin_count_stops_at_the_cap(settings, editor_client, make_review):
    settings.PAGINATOR_COUNT_CAP = 3
    reviews(make_review, 5)

    response = editor_client.get(REVIEW_LIST)

    assert isinstance(response.context["cl"].result_count, ApproximateCount)
    assert re.search(ESTIMATE_OR_CAP.format(cap=3) + " reviews", response.text)


def filter_choices(response, title):
    title = re.escape(title)
    section = re.search(rf'data-filter-title="{title}".*?</ul>', response.text, re.S)[0]
    return re.findall(r'<a href="[^"]*">(.*?)</a>', section)


def test_review_admin_lists_the_years_from_first_to_last_publication(editor_client, make_review):
    def at(year):
        return timezone.make_aware(datetime(year, 6, 1))

    make_review(headline="Early", publish_at=at(2019))
    make_review(headline="Late", publish_at=at(2022))

    response = editor_client.get(REVIEW_LIST)
    early = editor_client.get(REVIEW_LIST, {"published": "2019"})

    assert filter_choices(response, "published in") == ["All", "2022", "2021", "2020", "2019"]
    assert [review.headline for review in early.context["cl"].result_list] == ["Early"]


def test_review_admin_offers_the_films_and_tags_of_recent_reviews(
    editor_client, make_review, make_film
):
    film = make_film(title="Le Samouraï", year=1967)
    make_review(film=film).tags.add("noir")
    make_review().tags.add("comedy", "noir")

    response = editor_client.get(REVIEW_LIST)
    by_film = editor_client.get(REVIEW_LIST, {"film": film.pk})

    assert "Le Samouraï (1967)" in filter_choices(response, "film (recently reviewed)")
    assert filter_choices(response, "tag (used lately)") == ["All", "noir", "comedy"]
    assert [review.film for review in by_film.context["cl"].result_list] == [film]


# Listings read from an index


@pytest.mark.parametrize(
    "listing",
    [
        pytest.param(lambda: Review.objects.published(), id="home"),
        pytest.param(lambda: Review.objects.all(), id="admin"),
        pytest.param(
            lambda: Review.objects.published().tagged(Tag.objects.get(name="noir"), many=True),
            id="a tag with many reviews",
        ),
        pytest.param(
            lambda: starting_at(
                Review.objects.published(), order_of(Review.objects.all()), (timezone.now(), 10)
            ),
            id="a page found by its first review",
        ),
    ],
)
def test_newest_first_listings_are_read_in_index_order(make_review, listing):
    for review in reviews(make_review, 30):
        review.tags.add("noir")

    plan = query_plan(listing().select_related("film")[:12])

    assert "review_publish_order" in plan, plan
    assert not re.search(r"\bSort\b|TEMP B-TREE FOR ORDER BY", plan), plan
