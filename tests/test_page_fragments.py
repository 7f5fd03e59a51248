"""Blocks of pages kept in the shared cache (reviews/fragments.py): a page rendered again
for another reason reuses them, and a change to what a block shows shows at once."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments import services
from comments.models import Comment
from core import pagecache
from reviews import keys
from reviews.fragments import RELATED_FILMS_TEMPLATE
from reviews.models import RelatedFilm
from tests.page_tree import parse_html

pytestmark = pytest.mark.usefixtures("page_cache")


@pytest.fixture
def moon(make_film, make_review, committed):
    """A reviewed film with one film an editor recommends after it."""
    with committed():
        film = make_film(title="Moon", year=2009)
        RelatedFilm.objects.create(film=film, related=make_film(title="Solaris", year=1972))
        make_review(film=film, headline="First light")
    return film


PAGES = {
    "film": lambda film: film.get_absolute_url(),
    "review": lambda film: film.reviews.get().get_absolute_url(),
}


def related_films(response):
    """The titles in the page's related-films block, as a reader sees them."""
    block = parse_html(response.content.decode()).find("section", class_="related")
    return [] if block is None else [link.text for link in block.find_all("a")]


def without_time_of_issue(response):
    """The page as every reader is given it: each has a comment form issued to them."""
    return re.sub(r'name="issued" value="[^"]*"', "", response.content.decode())


def templates_rendered(response):
    return [template.name for template in response.templates]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_rendered_again_for_another_reason_reuses_its_related_films(moon, page):
    url = PAGES[page](moon)
    first = Client().get(url)
    pagecache.invalidate(keys.film_reviews(moon.pk))  # the page is stale, the block is not

    with CaptureQueriesContext(connection) as queries:
        again = Client().get(url)

    assert again.get("X-Page-Cache") is None  # rendered again
    assert related_films(again) == related_films(first) == ["Solaris"]
    assert RELATED_FILMS_TEMPLATE in templates_rendered(first)
    assert RELATED_FILMS_TEMPLATE not in templates_rendered(again)
    read = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in read if "reviews_relatedfilm" in sql]
    assert not [sql for sql in read if "reviews_recommendation" in sql]


@pytest.mark.parametrize("page", PAGES)
def test_a_change_to_the_related_films_shows_at_once(moon, make_film, committed, page):
    url = PAGES[page](moon)
    Client().get(url)
    solaris = RelatedFilm.objects.get(film=moon).related

    with committed():
        RelatedFilm.objects.create(film=moon, related=make_film(title="Gravity"), position=1)
    added = Client().get(url)
    with committed():
        solaris.title = "Solaris (restored)"
        solaris.save()
    renamed = Client().get(url)
    with committed():
        RelatedFilm.objects.filter(film=moon).delete()
    removed = Client().get(url)

    assert related_films(added) == ["Solaris", "Gravity"]
    assert related_films(renamed) == ["Solaris (restored)", "Gravity"]
    assert related_films(removed) == []


def test_the_films_own_title_in_the_block_follows_a_rename(moon, committed):
    Client().get(moon.get_absolute_url())
    with committed():
        moon.title = "Moon (2009)"
        moon.save()

    again = Client().get(moon.get_absolute_url())

    heading = parse_html(again.content.decode()).find("h2", id="related-title")
    assert heading.text == "If you liked Moon (2009), watch next"


def test_with_the_page_cache_off_a_review_page_is_rendered_around_its_kept_blocks(
    moon, settings, committed, moderator
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = 0, 600
    review = moon.reviews.get()
    with committed():
        comment = Comment.objects.create(
            review=review, author_name="Ann", author_email="ann@example.com", body="Lovely score."
        )
        services.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)
    first = Client().get(review.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        again = Client().get(review.get_absolute_url())

    assert again.get("X-Page-Cache") is None and "public" not in again["Cache-Control"]
    assert without_time_of_issue(again) == without_time_of_issue(first)
    assert related_films(again) == ["Solaris"] and "Lovely score." in again.content.decode()
    read = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in read if "comments_comment" in sql]
    assert not [sql for sql in read if "reviews_relatedfilm" in sql]
