"""Every public page costs a fixed number of queries, whatever the size of the catalogue:
the review page with its comments among them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from reviews.models import Credit, Person, RelatedFilm
from tests.queries import PAGE_QUERY_BUDGETS


@pytest.fixture
def catalogue(make_film, make_review):
    """Build ``size`` more reviews of one film, with tags, credits, related films and comments."""
    film = make_film(title="Never Let Me Go", slug="never-let-me-go")
    director = Person.objects.create(name="Mark Romanek", slug="mark-romanek")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    film.tags.add("dystopia")
    built = {"n": 0}

    def grow(size):
        for _ in range(size):
            n = built["n"] = built["n"] + 1
            review = make_review(film=film, rating_value=Decimal("3"), rating_best=4)
            review.tags.add("dystopia", f"theme {n}")
            other = make_film(title=f"Related {n}")
            other.tags.add("dystopia")
            RelatedFilm.objects.create(film=film, related=other, position=n)
            actor = Person.objects.create(name=f"Actor {n}", slug=f"actor-{n}")
            Credit.objects.create(film=film, person=actor, role=Credit.Role.CAST, position=n)
            Credit.objects.create(film=other, person=director, role=Credit.Role.DIRECTOR)
            for i in range(3):
                Comment.objects.create(
                    review=review,
                    author_name=f"Reader {i}",
                    body=f"Comment {i}",
                    status=Comment.Status.APPROVED,
                )
        return film, review

    return grow


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


PAGES = {
    "home": lambda film, review: "/",
    "review": lambda film, review: review.get_absolute_url(),
    "film": lambda film, review: film.get_absolute_url(),
    "films": lambda film, review: "/films/",
    "tag": lambda film, review: "/tags/dystopia/",
    "tags": lambda film, review: "/tags/",
    "person": lambda film, review: "/people/mark-romanek/",
}


@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_is_small_and_does_not_grow(client, catalogue, page):
    film, review = catalogue(3)
    small = queries_for(client, PAGES[page](film, review))
    film, review = catalogue(12)
    large = queries_for(client, PAGES[page](film, review))
    assert large == small, f"{page}: {small} queries with 3 reviews, {large} with 15"
    budget = PAGE_QUERY_BUDGETS[page]
    assert large <= budget, f"{page}: {large} queries, budget {budget}"
