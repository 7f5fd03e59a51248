"""Search, as a reader sees it. The same cases run on SQLite (FTS5) and PostgreSQL.

Reviews are indexed after their transaction commits; tests build and change them inside
``indexed()``, which runs those after-commit callbacks as a real commit would.
"""

import html
import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from reviews import search
from reviews.models import Credit, Film, Person, Review
from tests.page_tree import parse_html
from tests.task_queue import DUMMY_TASKS, TaskQueue

SEARCH_URL = reverse("reviews:search")


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """A context manager: the search index reflects what changes inside it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def search_page(client, query, **params):
    response = client.get(SEARCH_URL, {"q": query, **params})
    assert response.status_code == 200, query
    return response


def headlines(response):
    """The result headlines on the page, in order."""
    results = re.search(r'<ol class="search-results".*?</ol>', response.text, re.S)
    if results is None:
        return []
    return [html.unescape(text) for text in re.findall(r"<h3><a [^>]*>(.*?)</a></h3>", results[0])]


def snippets(response):
    return re.findall(r'<p class="snippet">(.*?)</p>', response.text, re.S)


def found(client, query):
    return headlines(search_page(client, query))


def test_a_headline_match_ranks_above_a_body_only_match(client, indexed, make_review):
    with indexed():
        make_review(headline="The lighthouse keeper", body="A quiet film about a man alone.")
        make_review(headline="Quiet evening", body="It ends at a lighthouse, in the rain.")
    response = search_page(client, "lighthouse")
    assert headlines(response) == ["The lighthouse keeper", "Quiet evening"]
    assert "2 reviews found for “lighthouse”" in response.text


def test_the_film_title_a_person_and_a_tag_each_find_the_review(
    client, indexed, make_film, make_review
):
    with indexed():
        film = make_film(title="Solaris")
        person = Person.objects.create(name="Natalya Bondarchuk", slug="natalya-bondarchuk")
        Credit.objects.create(film=film, person=person, role=Credit.Role.CAST)
        film.tags.add("cosmonauts")
        review = make_review(film=film, headline="A station in orbit", body="Grief, remembered.")
        review.tags.add("memory palace")
        make_review(headline="Something else", body="Nothing to do with space.")
    assert found(client, "solaris") == ["A station in orbit"]
    assert found(client, "Bondarchuk") == ["A station in orbit"]
    assert found(client, "cosmonauts") == ["A station in orbit"]
    assert found(client, "palace") == ["A station in orbit"]


def found_films(client, query):
    """The films listed under "Films", as "Title (year)"."""
    films = parse_html(search_page(client, query).text).find("ul", class_="found-films")
    return [item.text for item in films.find_all("li")] if films else []


def found_people(client, query):
    people = parse_html(search_page(client, query).text).find("ul", class_="found-people")
    return [item.text for item in people.find_all("li")] if people else []


def group_headings(response):
    """The headings of the groups of results, with their counts, in order."""
    page = parse_html(response.text)
    return [section.find("h2").text for section in page.find_all("section", class_="search-group")]


def test_a_film_with_no_review_is_found_by_its_title_and_links_to_its_page(
    client, indexed, make_film
):
    film = make_film(title="The Fountain", year=2006)
    response = search_page(client, "fountain")
    link = parse_html(response.text).find("ul", class_="found-films").find("a")
    assert found_films(client, "fountain") == ["The Fountain (2006)"]
    assert link.attrs["href"] == film.get_absolute_url()
    assert group_headings(response) == ["Films 1", "Reviews 0"]
    assert "No reviews match “fountain”." in response.text


def test_a_person_is_found_by_name_and_links_to_their_page(client, db):
    person = Person.objects.create(name="Darren Aronofsky", slug="darren-aronofsky")
    people = parse_html(search_page(client, "Aronofsky").text).find("ul", class_="found-people")
    assert [item.text for item in people.find_all("li")] == ["Darren Aronofsky"]
    assert people.find("a").attrs["href"] == person.get_absolute_url()


def test_a_byline_or_a_publication_finds_the_review(client, indexed, make_review):
    with indexed():
        make_review(headline="Grief in orbit", byline="Melissa", publication_name="Village Voice")
        make_review(headline="Something else", byline="Manohla Dargis")
    assert found(client, "Melissa") == ["Grief in orbit"]
    assert found(client, '"village voice"') == ["Grief in orbit"]


def test_results_are_grouped_films_people_then_reviews_each_with_its_count(
    client, indexed, make_film, make_review
):
    with indexed():
        film = make_film(title="Solaris", year=1972)
        make_film(title="Solaris", year=2002)
        Person.objects.create(name="Solaris Quartet", slug="solaris-quartet")
        make_review(film=film, headline="A station in orbit")
    response = search_page(client, "solaris")
    assert group_headings(response) == ["Films 2", "People 1", "Reviews 1"]
    assert found_films(client, "solaris") == ["Solaris (1972)", "Solaris (2002)"]
    assert headlines(response) == ["A station in orbit"]


def test_many_films_found_show_the_best_few_and_say_there_are_more(client, make_film, monkeypatch):
    monkeypatch.setattr(search.results, "MAX_NAMED", 3)
    monkeypatch.setattr(search.results, "NAMED_SHOWN", 2)
    for year in range(2001, 2006):
        make_film(title="Lighthouse", year=year)
    response = search_page(client, "lighthouse")
    assert len(found_films(client, "lighthouse")) == 2
    assert group_headings(response)[0] == "Films more than 3"
    assert "The best 2 of more than 3 films" in response.text


def test_renamed_added_and_deleted_films_and_people_are_found_as_they_are_now(client, make_film):
    film = make_film(title="Working Title")
    person = Person.objects.create(name="Anonymous", slug="anonymous")
    film.title = "Stalker"
    film.save()
    person.name = "Andrei Tarkovsky"
    person.save()
    Film.objects.bulk_create([Film(title="Mirror", year=1975, slug="mirror")])
    assert found_films(client, "stalker") == ["Stalker (2010)"]
    assert found_films(client, '"working title"') == []
    assert found_people(client, "tarkovsky") == ["Andrei Tarkovsky"]
    assert found_people(client, "anonymous") == []
    assert found_films(client, "mirror") == ["Mirror (1975)"]
    film.delete()
    assert found_films(client, "stalker") == []


@pytest.fixture
def balloons(indexed, make_review):
    with indexed():
        make_review(headline="Drifting", body="The red balloon drifts over Paris.")
        make_review(headline="Popped", body="A balloon that is red, and then it pops.")
        make_review(headline="Harbour", body="A lighthouse and a boat.")


def test_a_quoted_phrase_matches_only_the_exact_phrase(client, balloons):
    assert found(client, '"red balloon"') == ["Drifting"]
    assert sorted(found(client, "red balloon")) == ["Drifting", "Popped"]


def test_a_word_after_a_minus_sign_is_left_out(client, balloons):
    assert found(client, "balloon -drifts") == ["Popped"]
    assert found(client, 'balloon -"red balloon"') == ["Popped"]


def test_or_between_words_finds_either(client, balloons):
    assert found(client, "lighthouse balloon") == []
    assert sorted(found(client, "lighthouse or drifts")) == ["Drifting", "Harbour"]
    assert sorted(found(client, "balloon pops OR drifts")) == ["Drifting", "Popped"]


def test_a_query_of_only_exclusions_finds_nothing(client, balloons):
    response = search_page(client, "-balloon")
    assert headlines(response) == []
    assert "No reviews match “-balloon”" in response.text


def test_drafts_and_future_scheduled_reviews_are_never_found(client, indexed, make_review):
    with indexed():
        make_review(headline="Published lighthouse")
        make_review(headline="Draft lighthouse", status=Review.Status.DRAFT)
        make_review(
            headline="Scheduled lighthouse",
            status=Review.Status.SCHEDULED,
            publish_at=timezone.now() + timedelta(days=1),
        )
    response = search_page(client, "lighthouse")
    assert headlines(response) == ["Published lighthouse"]
    assert "Draft lighthouse" not in response.text
    assert "Scheduled lighthouse" not in response.text


def test_a_scheduled_review_is_found_once_its_time_has_come(
    client, indexed, make_review, monkeypatch
):
    publish_at = timezone.now() + timedelta(hours=1)
    with indexed():
        make_review(
            headline="Scheduled lighthouse", status=Review.Status.SCHEDULED, publish_at=publish_at
        )
    assert found(client, "lighthouse") == []
    monkeypatch.setattr(timezone, "now", lambda: publish_at + timedelta(minutes=1))
    assert found(client, "lighthouse") == ["Scheduled lighthouse"]


def test_editing_a_review_updates_the_results(client, indexed, make_review):
    with indexed():
        review = make_review(headline="Harbour", body="A lighthouse and a boat.")
    assert found(client, "submarine") == []
    with indexed():
        review.body = "A submarine and a boat."
        review.save()
    assert found(client, "submarine") == ["Harbour"]
    assert found(client, "lighthouse") == []


def test_renaming_the_film_updates_the_results(client, indexed, make_film, make_review):
    with indexed():
        film = make_film(title="Working Title")
        make_review(film=film, headline="Harbour")
    with indexed():
        film.title = "Stalker"
        film.save()
    assert found(client, "stalker") == ["Harbour"]
    assert found(client, '"working title"') == []


def test_adding_a_credit_or_renaming_the_person_updates_the_results(
    client, indexed, make_film, make_review
):
    with indexed():
        film = make_film()
        make_review(film=film, headline="Harbour")
    assert found(client, "tarkovsky") == []
    with indexed():
        person = Person.objects.create(name="Andrei Tarkovsky", slug="andrei-tarkovsky")
        Credit.objects.create(film=film, person=person, role=Credit.Role.DIRECTOR)
    assert found(client, "tarkovsky") == ["Harbour"]
    with indexed():
        person.name = "Andrei Arsenyevich Tarkovsky"
        person.save()
    assert found(client, "arsenyevich") == ["Harbour"]
    with indexed():
        Credit.objects.filter(film=film).delete()
    assert found(client, "tarkovsky") == []


def test_adding_renaming_and_removing_tags_updates_the_results(
    client, indexed, make_film, make_review
):
    with indexed():
        film = make_film()
        review = make_review(film=film, headline="Harbour")
    with indexed():
        film.tags.add("seafaring")
        review.tags.add("melancholy")
    assert found(client, "seafaring") == ["Harbour"]
    assert found(client, "melancholy") == ["Harbour"]
    with indexed():
        tag = Tag.objects.get(name="melancholy")
        tag.name = "wistfulness"
        tag.save()
    assert found(client, "wistfulness") == ["Harbour"]
    with indexed():
        film.tags.clear()
        review.tags.remove("wistfulness")
    assert found(client, "seafaring") == []
    assert found(client, "wistfulness") == []


def test_a_deleted_review_is_no_longer_found_and_its_document_is_gone(client, indexed, make_review):
    with indexed():
        review = make_review(headline="Harbour", body="A lighthouse.")
        make_review(headline="Coast", body="Another lighthouse.")
    with indexed():
        review.delete()
    assert found(client, "lighthouse") == ["Coast"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reviews_search")
        assert cursor.fetchone()[0] == 1


def test_many_changes_in_one_transaction_reindex_each_review_once(
    indexed, make_film, make_review, monkeypatch
):
    calls = []
    monkeypatch.setattr(search, "reindex", lambda ids: calls.append(set(ids)))
    with indexed():
        film = make_film()
        review = make_review(film=film)
        for n in range(5):
            review.body = f"Draft number {n}."
            review.save()
        film.tags.add("seafaring")
        review.tags.add("melancholy", "rain")
        film.title = "Renamed"
        film.save()
    reindexed = [pk for call in calls for pk in call]
    assert reindexed.count(review.pk) == 1


def test_snippets_mark_the_matches_and_escape_html_from_the_body(client, indexed, make_review):
    with indexed():
        make_review(
            headline="Harbour",
            body="The hacker types `<script>alert(1)</script>` & `a < b` in the lighthouse.",
        )
    response = search_page(client, "lighthouse")
    [snippet] = snippets(response)
    assert "<mark>lighthouse</mark>" in snippet
    # The script tag is shown escaped (SQLite) or left out (PostgreSQL), never as a tag.
    assert "alert(1)" in snippet
    assert "&amp; a &lt; b" in snippet
    assert "<script" not in response.text


def test_a_review_found_by_its_film_shows_its_dek_instead_of_a_snippet(
    client, indexed, make_film, make_review
):
    with indexed():
        film = make_film(title="Solaris")
        make_review(film=film, dek="Grief <b>in</b> orbit.", body="A station far away.")
    [snippet] = snippets(search_page(client, "solaris"))
    assert snippet.strip() == "Grief &lt;b&gt;in&lt;/b&gt; orbit."


def test_an_empty_query_shows_how_to_search(client, indexed, make_review):
    with indexed():
        make_review(headline="Harbour")
    for query in ["", "   "]:
        response = search_page(client, query)
        assert "Type a film, a person, a tag" in response.text
        assert headlines(response) == []
    assert "Type a film" in client.get(SEARCH_URL).text


def test_a_query_with_no_results_says_so_and_keeps_the_query_in_the_box(
    client, indexed, make_review
):
    with indexed():
        make_review(headline="Harbour")
    response = search_page(client, "submarine <b>")
    assert "No reviews match “submarine &lt;b&gt;”" in response.text
    assert 'value="submarine &lt;b&gt;"' in response.text


HOSTILE_QUERIES = [
    '"',
    '""',
    '"unbalanced lighthouse',
    'lighthouse"',
    "-",
    "--lighthouse",
    "or",
    "OR OR",
    "lighthouse or",
    "or lighthouse",
    "AND",
    "NOT lighthouse",
    "'; DROP TABLE reviews_review; --",
    "1' OR '1'='1",
    "*",
    "light*",
    "NEAR(",
    "NEAR(lighthouse keeper, 2)",
    "a:b",
    "headline:lighthouse",
    "(lighthouse",
    ")",
    "^lighthouse",
    "+lighthouse",
    "%",
    "_",
    "\\",
    "\x02lighthouse\x03",
    "x" * 1000,
    "lighthouse " * 100,
    "\u202eesuohthgil\u202c",
    "light\u200bhouse",
    "\u0645\u0646\u0627\u0631\u0629 lighthouse",
    "🎬🍿",
    "lighthouse 🎬",
    "e\u0301te\u0301",
    "\ufeff",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_get_a_results_page(client, indexed, make_film, make_review, query):
    with indexed():
        make_review(headline="The lighthouse keeper", body="Drop table, or not.")
        make_film(title="Lighthouse or not")
        Person.objects.create(name="Lighthouse Keeper", slug="lighthouse-keeper")
    response = search_page(client, query)
    assert "found for" in response.text or "No reviews match" in response.text
    assert Review.objects.count() == 1 and Film.objects.count() == 2


@pytest.fixture
def many_matches(indexed, make_review):
    def build(size):
        with indexed():
            for n in range(size):
                make_review(headline=f"Lighthouse {n + 1:02}", body=f"Review number {n + 1}.")

    return build


def test_results_are_paginated_and_the_links_keep_the_query(client, many_matches):
    many_matches(25)
    pages = [search_page(client, "lighthouse", page=n) for n in (1, 2, 3)]
    assert [len(headlines(page)) for page in pages] == [10, 10, 5]
    everything = [headline for page in pages for headline in headlines(page)]
    assert sorted(everything) == [f"Lighthouse {n:02}" for n in range(1, 26)]
    second = pages[1].text
    assert "25 reviews found for “lighthouse”; showing 11–20." in second
    assert "Page 2 of 3" in second
    assert 'href="?q=lighthouse&amp;page=1"' in second
    assert 'href="?q=lighthouse&amp;page=3"' in second
    assert '<ol class="search-results" start="11">' in second


def test_beyond_the_results_offered_a_headline_match_still_comes_first(
    client, indexed, make_review, monkeypatch
):
    for module in (search.backends, search.results):
        monkeypatch.setattr(module, "MAX_RESULTS", 12)
    with indexed():
        make_review(headline="The lighthouse keeper", body="A quiet film about a man alone.")
        for n in range(14):
            make_review(headline=f"Harbour {n}", body="It ends at a lighthouse, in the rain.")
    first, last = search_page(client, "lighthouse"), search_page(client, "lighthouse", page=2)
    assert headlines(first)[0] == "The lighthouse keeper"
    assert "more than 12 reviews found for “lighthouse”; showing 1–10." in first.text
    assert len(headlines(last)) == 2
    assert "more than 12 reviews found for “lighthouse”; showing 11–12." in last.text
    assert "These are the best 12: add a word to narrow the search." in last.text


def test_many_matches_are_ranked_once_until_the_catalogue_changes(
    client, indexed, make_review, monkeypatch
):
    for module in (search.backends, search.results):
        monkeypatch.setattr(module, "MAX_RESULTS", 12)
    with indexed():
        for n in range(14):
            make_review(headline=f"Harbour {n}", body="It ends at a lighthouse, in the rain.")
    search_page(client, "lighthouse")

    with CaptureQueriesContext(connection) as second_page:
        assert len(headlines(search_page(client, "lighthouse", page=2))) == 2
    with indexed():
        make_review(headline="The lighthouse keeper", body="A quiet film about a man alone.")

    assert not any("UNION ALL" in query["sql"] for query in second_page.captured_queries)
    # Nor are the matches read again: only the kept ranking (on SQLite, from the cache's
    # table) and the page's reviews.
    assert len(second_page.captured_queries) <= 2
    assert headlines(search_page(client, "lighthouse"))[0] == "The lighthouse keeper"


@pytest.mark.parametrize("page", ["abc", "999", "0", "-1", "1.5", "9" * 30])
@pytest.mark.parametrize("url", [SEARCH_URL + "?q=lighthouse&", "/?", "/tags/seafaring/?"])
def test_page_numbers_out_of_range_or_not_numbers_get_the_404_page(client, many_matches, url, page):
    many_matches(25)
    Review.objects.get(headline="Lighthouse 01").tags.add("seafaring")
    response = client.get(f"{url}page={page}")
    assert response.status_code == 404
    assert "This page is not here" in response.text


def test_last_page_is_the_last_page(client, many_matches):
    many_matches(25)
    response = search_page(client, "lighthouse", page="last")
    assert len(headlines(response)) == 5
    assert "Page 3 of 3" in response.text


def test_other_listings_keep_their_plain_page_links(client, many_matches):
    many_matches(13)
    response = client.get("/")
    assert 'href="?page=2"' in response.text


def test_search_query_count_does_not_grow_with_the_results(
    client, many_matches, django_assert_max_num_queries
):
    many_matches(3)
    # A ranking kept in the cache (a query of its own when the cache is the database's),
    # the reviews' ranking and page, then on the first page the films and the people.
    with django_assert_max_num_queries(5):
        assert len(headlines(search_page(client, "lighthouse"))) == 3
    many_matches(40)
    with django_assert_max_num_queries(5):
        assert len(headlines(search_page(client, "lighthouse"))) == 10
    with django_assert_max_num_queries(3):
        assert len(headlines(search_page(client, "lighthouse", page=2))) == 10
    with django_assert_max_num_queries(0):
        search_page(client, "")


def test_search_results_slice_in_the_database(indexed, make_review):
    with indexed():
        for n in range(12):
            make_review(headline=f"Lighthouse {n}")
    results = search.search_reviews("lighthouse")
    assert results.count() == len(results) == 12
    page = results[10:20]
    assert len(page) == 2
    assert all(review.snippet is not None and review.rank > 0 for review in page)
    assert results[11].headline == page[1].headline
    assert [review.headline for review in results] == [review.headline for review in results[:]]


def test_the_seeded_site_is_searchable(client, db, indexed):
    with indexed():
        call_command("seed", stdout=io.StringIO())
    response = search_page(client, "Mulligan")
    assert len(headlines(response)) == Review.objects.published().count() == 4
    assert "<mark>Mulligan</mark>" in response.text
    assert found_people(client, "Mulligan") == ["Carey Mulligan"]
    assert found_films(client, "The Fountain") == ["The Fountain (2006)"]
    assert len(found(client, "Melissa")) == 1


def test_reindex_search_rebuilds_every_document(client, make_review):
    make_review(headline="Harbour", body="A lighthouse.")
    make_review(headline="Draft harbour", body="A lighthouse.", status=Review.Status.DRAFT)
    assert found(client, "lighthouse") == []
    out = io.StringIO()
    call_command("reindex_search", stdout=out)
    assert out.getvalue() == "Indexed 2 reviews for search.\n"
    assert found(client, "lighthouse") == ["Harbour"]


def test_a_renamed_films_reviews_are_found_by_its_new_title_once_the_task_has_run(
    client, indexed, make_film, make_review, settings
):
    with indexed():
        film, other = make_film(title="Working Title"), make_film(title="Solaris")
        make_review(film=film, headline="A slow zone")
        edited = make_review(film=other, headline="Ocean")
    settings.TASKS = DUMMY_TASKS
    queue = TaskQueue()

    with indexed():
        film.title = "Stalker"
        film.save()
        edited.headline = "Stalker, again"
        edited.save()

    assert found(client, "Stalker") == ["Stalker, again"]  # an edited review, at once
    queue.run()
    assert sorted(found(client, "Stalker")) == ["A slow zone", "Stalker, again"]
