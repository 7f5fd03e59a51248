"""Every public page costs a fixed number of queries, whatever the size of the catalogue:
the review page with its comments among them."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from reviews.models import Credit, Critic, Person, RelatedFilm
from tests.page_tree import parse_html
from tests.queries import PAGE_QUERY_BUDGETS


@pytest.fixture
def catalogue(make_film, make_review):
    """Build ``size`` more reviews of one film, with tags, credits, related films, comments
    and critics: every other review is by one critic, each of the others by one of their own."""
    film = make_film(title="Never Let Me Go", slug="never-let-me-go")
    melissa = Critic.objects.create(name="Melissa", slug="melissa")
    director = Person.objects.create(name="Mark Romanek", slug="mark-romanek")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    film.tags.add("dystopia")
    built = {"n": 0}

    def grow(size):
        for _ in range(size):
            n = built["n"] = built["n"] + 1
            critic = melissa if n % 2 else Critic.objects.create(name=f"Critic {n}", slug=f"c-{n}")
            critic.links.create(title="Website", url=f"https://example.com/{n}")
            review = make_review(film=film, critic=critic, rating_value=Decimal("3"), rating_best=4)
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


def queries_for(client, url, warm=True):
    """The queries of a request for ``url``; with ``warm``, once the shared cache holds what
    an earlier request for it found (as on a site in use), or else with it empty."""
    if warm:
        client.get(url)
    else:
        cache.clear()
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
    "critic": lambda film, review: "/critics/melissa/",
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


@pytest.mark.parametrize("page", ["home", "tag"])
def test_listing_query_count_with_an_empty_cache_does_not_grow(client, catalogue, page):
    film, review = catalogue(3)
    small = queries_for(client, PAGES[page](film, review), warm=False)
    film, review = catalogue(12)
    large = queries_for(client, PAGES[page](film, review), warm=False)
    assert large == small, f"{page}: {small} queries with 3 reviews, {large} with 15"


@pytest.fixture
def long_credits(make_film, make_review):
    """A reviewed film and its director; ``grow(size)`` gives the film ``size`` more players
    and the director ``size`` more reviewed films."""
    film = make_film(title="Ran", slug="ran")
    director = Person.objects.create(name="Akira Kurosawa", slug="akira-kurosawa")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    review = make_review(film=film)
    built = {"n": 0}

    def grow(size):
        start = built["n"]
        built["n"] += size
        numbers = range(start + 1, built["n"] + 1)
        players = Person.objects.bulk_create(
            Person(name=f"Player {n}", slug=f"player-{n}") for n in numbers
        )
        Credit.objects.bulk_create(
            Credit(film=film, person=player, role=Credit.Role.CAST, position=n)
            for n, player in zip(numbers, players, strict=True)
        )
        for n in numbers:
            other = make_film(title=f"Kurosawa {n:03}")
            Credit.objects.create(film=other, person=director, role=Credit.Role.DIRECTOR)
            make_review(film=other)
        return film, review

    return grow


CREDITED_PAGES = {
    "films": lambda film, review: "/films/",
    "film": lambda film, review: film.get_absolute_url(),
    "review": lambda film, review: review.get_absolute_url(),
    "person": lambda film, review: "/people/akira-kurosawa/",
}


@pytest.mark.parametrize("page", CREDITED_PAGES)
def test_page_query_count_does_not_grow_with_a_films_or_a_persons_credits(
    client, long_credits, page
):
    film, review = long_credits(5)
    few = queries_for(client, CREDITED_PAGES[page](film, review))
    film, review = long_credits(195)
    many = queries_for(client, CREDITED_PAGES[page](film, review))
    assert many == few, f"{page}: {few} queries with 6 credits, {many} with 196"


def test_films_list_shows_directors_and_reads_no_cast(client, long_credits):
    long_credits(40)

    response = client.get("/films/")
    rows = parse_html(response.text).find("table", class_="film-table").find_all("tr")[1:]

    assert [row.find_all("td")[0].text for row in rows[:2]] == ["Akira Kurosawa"] * 2
    shown = [credit for film in response.context["films"] for credit in film.shown_credits]
    assert shown and {credit.role for credit in shown} == {Credit.Role.DIRECTOR}


def test_review_page_shows_the_directors_and_top_billed_cast_and_reads_no_crew(
    client, long_credits
):
    film, review = long_credits(40)
    writer = Person.objects.create(name="Hideo Oguni", slug="hideo-oguni")
    Credit.objects.create(film=film, person=writer, role=Credit.Role.WRITER)

    response = client.get(review.get_absolute_url())
    panel = parse_html(response.text).find("section", class_="film-panel")

    assert "Akira Kurosawa" in panel.text and "Hideo Oguni" not in panel.text
    starring = [item.find("a").text for item in panel.find("ul", class_="plain").find_all("li")]
    assert starring == [f"Player {n}" for n in range(1, 6)]
    read = response.context["review"].film.shown_credits
    assert {credit.role for credit in read} == {Credit.Role.DIRECTOR, Credit.Role.CAST}
