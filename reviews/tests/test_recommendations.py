"""Related films: editors' picks, then computed recommendations that say why."""

import html
import io
import re
from contextlib import suppress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import recommendations
from reviews.models import Credit, Film, Person, Recommendation, RelatedFilm, Review
from reviews.recommendations import blended_related, recompute_all
from tests.factories import film_form
from tests.queries import PAGE_QUERY_BUDGETS


@pytest.fixture
def credit(db):
    people = {}

    def add(film, name, role, **fields):
        slug = re.sub(r"\W+", "-", name.lower())
        person = people.get(name) or Person.objects.create(name=name, slug=slug)
        people[name] = person
        return Credit.objects.create(film=film, person=person, role=role, **fields)

    return add


def stored(film):
    """``[(title, reasons)]`` of the film's stored recommendations, in order."""
    rows = Recommendation.objects.filter(film=film).select_related("recommended")
    return [(row.recommended.title, row.reasons) for row in rows]


def titles(film):
    return [title for title, _ in stored(film)]


def related_section(page):
    """``[(title, what is said under it)]`` of a page's "watch next" list, in order."""
    section = re.search(r'<ol class="related__list">(.*?)</ol>', page, re.S)
    assert section, "the page has no related films"
    entries = re.findall(
        r'<li><a href="[^"]+">([^<]+)</a>.*?<small class="related__why">([^<]*)</small></li>',
        section.group(1),
    )
    return [(html.unescape(title), html.unescape(why)) for title, why in entries]


# Ranking and reasons


def test_a_film_sharing_the_director_and_two_rare_tags_ranks_above_one_sharing_a_common_tag(
    make_film, credit
):
    film = make_film(title="Never Let Me Go", year=2010)
    film.tags.add("cloning", "boarding school", "drama")
    credit(film, "Mark Romanek", Credit.Role.DIRECTOR)
    kin = make_film(title="One Hour Photo", year=2002)
    kin.tags.add("cloning", "boarding school")
    credit(kin, "Mark Romanek", Credit.Role.DIRECTOR)
    # The same year, which alone recommends nothing but would win a tie.
    common = make_film(title="Drama of the Year", year=2010)
    common.tags.add("drama")
    for n in range(8):
        make_film(title=f"Another Drama {n}", year=1990).tags.add("drama")
    unrelated = make_film(title="Same Year, Nothing Shared", year=2010)

    recompute_all()

    ranked = titles(film)
    assert ranked[0] == "One Hour Photo"
    assert ranked.index("One Hour Photo") < ranked.index("Drama of the Year")
    assert unrelated.title not in ranked
    scores = dict(
        Recommendation.objects.filter(film=film).values_list("recommended__title", "score")
    )
    assert scores["One Hour Photo"] > 3 * scores["Drama of the Year"]


def test_reasons_name_exactly_what_the_films_share(make_film, make_review, credit):
    film = make_film(title="Never Let Me Go", year=2010)
    film.tags.add("cloning", "dystopia", "boarding school")
    credit(film, "Mark Romanek", Credit.Role.DIRECTOR)
    credit(film, "Alex Garland", Credit.Role.WRITER)
    credit(film, "Kazuo Ishiguro", Credit.Role.AUTHOR)
    credit(film, "Carey Mulligan", Credit.Role.CAST, character="Kathy", position=1)
    credit(film, "Andrew Garfield", Credit.Role.CAST, character="Tommy", position=2)
    credit(film, "Keira Knightley", Credit.Role.CAST, character="Ruth", position=3)

    remains = make_film(title="The Remains of the Day", year=1993)
    credit(remains, "Kazuo Ishiguro", Credit.Role.AUTHOR)
    island = make_film(title="The Island", year=2005)
    island.tags.add("cloning", "dystopia")
    education = make_film(title="An Education", year=2009)
    credit(education, "Carey Mulligan", Credit.Role.CAST, position=1)
    ex_machina = make_film(title="Ex Machina", year=2014)
    credit(ex_machina, "Alex Garland", Credit.Role.DIRECTOR)
    pride = make_film(title="Pride & Prejudice", year=2005)
    credit(pride, "Keira Knightley", Credit.Role.CAST, position=1)
    credit(pride, "Carey Mulligan", Credit.Role.CAST, position=2)
    credit(pride, "Andrew Garfield", Credit.Role.CAST, position=3)
    inception = make_film(title="Inception", year=2010)
    review = make_review(film=film)
    review.mentioned_films.add(inception)

    recompute_all()

    assert dict(stored(film)) == {
        "Pride & Prejudice": ["same cast: Carey Mulligan, Andrew Garfield and 1 more"],
        "The Island": ["both tagged cloning and dystopia"],
        "The Remains of the Day": ["from the same author: Kazuo Ishiguro"],
        "Inception": ["mentioned together in a review", "released the same year"],
        "An Education": ["same cast: Carey Mulligan", "released within 2 years"],
        "Ex Machina": ["Alex Garland worked on both"],
    }
    assert dict(stored(inception))["Never Let Me Go"] == [
        "mentioned together in a review",
        "released the same year",
    ]


def test_the_release_year_alone_recommends_nothing(make_film):
    make_film(title="Inception", year=2010)
    make_film(title="Never Let Me Go", year=2010)

    assert recompute_all() == 0


def test_a_draft_reviews_words_make_no_link_until_it_is_published(make_film, make_review):
    words = "Zeppelins drift over the marmalade factory while lighthouse keepers hum."
    film = make_film(title="Never Let Me Go")
    other = make_film(title="Lighthouse Dreams", year=1980)
    make_review(film=film, body=words)
    draft = make_review(film=other, body=words, status=Review.Status.DRAFT)
    make_review(film=make_film(), body="Gunfights, car chases and a bank heist in Chicago.")

    recompute_all()
    assert other.title not in titles(film)

    draft.status = Review.Status.PUBLISHED
    draft.save()
    recompute_all()
    assert dict(stored(film))[other.title] == ["reviews say similar things"]


def test_a_draft_reviews_mentions_and_tags_make_no_link(make_film, make_review):
    film = make_film(title="Never Let Me Go")
    other = make_film(title="Inception", year=1990)
    draft = make_review(film=film, status=Review.Status.DRAFT)
    draft.mentioned_films.add(other)
    draft.tags.add("cloning")
    other.tags.add("cloning")

    assert recompute_all() == 0


def test_weights_are_adjustable_in_settings(settings, make_film, credit):
    film, other = make_film(), make_film()
    credit(film, "Mark Romanek", Credit.Role.DIRECTOR)
    credit(other, "Mark Romanek", Credit.Role.DIRECTOR)
    assert recompute_all() == 2

    settings.RECOMMENDATION_WEIGHTS = {"director": 0}
    assert recompute_all() == 0

    settings.RECOMMENDATION_WEIGHTS = {"directr": 4}
    with pytest.raises(ImproperlyConfigured, match="directr"):
        recompute_all()


def test_each_film_stores_at_most_the_setting_best_first(settings, make_film):
    settings.RECOMMENDATIONS_STORED = 3
    films = [make_film(year=2000 + n) for n in range(6)]
    for film in films:
        film.tags.add("cloning")

    recompute_all()

    rows = Recommendation.objects.filter(film=films[0])
    assert [row.position for row in rows] == [1, 2, 3]
    assert [row.recommended for row in rows] == films[1:4]  # nearest in years first
    assert sorted((row.score for row in rows), reverse=True) == [row.score for row in rows]


# The blended list on pages


@pytest.fixture
def film_with_picks_and_computed(make_film):
    """A film with two editors' picks, one of which is also computed, and three computed."""
    film = make_film(title="Never Let Me Go", year=2010)
    film.tags.add("cloning")
    picks = [make_film(title="The Fountain", year=2006), make_film(title="Moon", year=2009)]
    for position, pick in zip([2, 1], picks, strict=True):
        RelatedFilm.objects.create(film=film, related=pick, position=position)
    picks[0].tags.add("cloning")
    for year in (2010, 2011, 2012):
        make_film(title=f"Clone {year}", year=year).tags.add("cloning")
    recompute_all()
    return film


def test_the_list_is_the_editors_picks_in_order_then_computed_without_repeats(
    settings, film_with_picks_and_computed
):
    settings.RELATED_FILMS_SHOWN = 2
    film = film_with_picks_and_computed
    assert "The Fountain" in titles(film)

    related = blended_related(film)

    assert [(entry.film.title, entry.curated) for entry in related] == [
        ("Moon", True),
        ("The Fountain", True),
        ("Clone 2010", False),
        ("Clone 2011", False),
    ]
    assert related[2].reasons == ["both tagged cloning", "released the same year"]
    assert film not in [entry.film for entry in related]


def test_review_and_film_pages_show_picks_then_computed_with_their_reasons(
    client, make_review, film_with_picks_and_computed
):
    film = film_with_picks_and_computed
    review = make_review(film=film)

    for url in (review.get_absolute_url(), film.get_absolute_url()):
        assert related_section(client.get(url).text) == [
            ("Moon", "Editor’s pick"),
            ("The Fountain", "Editor’s pick"),
            ("Clone 2010", "Both tagged cloning · released the same year"),
            ("Clone 2011", "Both tagged cloning · released within 2 years"),
            ("Clone 2012", "Both tagged cloning · released within 2 years"),
        ]


@pytest.mark.parametrize("page", ["review", "film"])
def test_pages_read_editors_picks_and_recommendations_in_one_query(
    client, make_review, film_with_picks_and_computed, page
):
    film = film_with_picks_and_computed
    review = make_review(film=film)
    url = review.get_absolute_url() if page == "review" else film.get_absolute_url()

    with CaptureQueriesContext(connection) as queries:
        client.get(url)

    related = [
        query["sql"]
        for query in queries.captured_queries
        if "reviews_recommendation" in query["sql"] or "reviews_relatedfilm" in query["sql"]
    ]
    assert len(related) == 1
    assert len(queries.captured_queries) <= PAGE_QUERY_BUDGETS[page]


def test_the_seeded_site_shows_never_let_me_go_editors_picks_first_in_order(db, client):
    call_command("seed", stdout=io.StringIO())
    film = Film.objects.get(slug="never-let-me-go-2010")
    picks = [link.related.title for link in film.related_links.select_related("related")]
    assert len(picks) == 20
    review = film.reviews.published().first()

    for url in (review.get_absolute_url(), film.get_absolute_url()):
        shown = related_section(client.get(url).text)
        assert [title for title, _ in shown[:20]] == picks
        assert {why for _, why in shown[:20]} == {"Editor’s pick"}
        computed = shown[20:]
        assert computed[0] == (
            "Inception",
            "Mentioned together in a review · released the same year",
        )
        assert not {title for title, _ in computed} & set(picks)


# Kept current after commits


def test_adding_a_tag_or_a_credit_refreshes_recommendations_after_commit(
    make_film, credit, django_capture_on_commit_callbacks
):
    film = make_film(title="Never Let Me Go", year=2010)
    island = make_film(title="The Island", year=2005)
    recompute_all()

    with django_capture_on_commit_callbacks(execute=True):
        film.tags.add("cloning")
        island.tags.add("cloning")
        assert not Recommendation.objects.exists()
    assert stored(film) == [("The Island", ["both tagged cloning"])]

    photo = make_film(title="One Hour Photo", year=2002)
    with django_capture_on_commit_callbacks(execute=True):
        credit(film, "Mark Romanek", Credit.Role.DIRECTOR)
        credit(photo, "Mark Romanek", Credit.Role.DIRECTOR)
    assert stored(film)[0] == ("One Hour Photo", ["same director: Mark Romanek"])
    assert stored(photo) == [("Never Let Me Go", ["same director: Mark Romanek"])]

    with django_capture_on_commit_callbacks(execute=True):
        island.tags.remove("cloning")
    assert titles(film) == ["One Hour Photo"]
    assert stored(island) == []


def test_publishing_a_review_refreshes_its_films_mentions(
    make_film, make_review, django_capture_on_commit_callbacks
):
    film, inception = make_film(title="Never Let Me Go"), make_film(title="Inception", year=1990)
    draft = make_review(film=film, status=Review.Status.DRAFT)
    draft.mentioned_films.add(inception)
    recompute_all()
    assert titles(inception) == []

    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Review.Status.PUBLISHED
        draft.save()
    assert stored(inception) == [("Never Let Me Go", ["mentioned together in a review"])]


def test_changes_in_one_transaction_are_refreshed_once(
    monkeypatch, make_film, credit, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(recommendations, "refresh", lambda ids: calls.append(set(ids)) or ids)
    film, other = make_film(), make_film()

    with django_capture_on_commit_callbacks(execute=True):
        film.tags.add("cloning", "dystopia")
        other.tags.add("cloning")
        credit(film, "Mark Romanek", Credit.Role.DIRECTOR)

    assert calls == [{film.pk, other.pk}]


def test_changes_rolled_back_are_not_refreshed(db, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    monkeypatch.setattr(recommendations, "refresh", lambda ids: calls.append(set(ids)) or ids)
    film, other = Film.objects.bulk_create(
        [Film(title="Undone", year=2010, slug="undone"), Film(title="Kept", year=2010, slug="kept")]
    )

    with suppress(IntegrityError), transaction.atomic():
        film.tags.add("cloning")
        Film.objects.create(title="Kept again", year=2010, slug="kept")
    with django_capture_on_commit_callbacks(execute=True):
        other.tags.add("cloning")

    assert calls == [{other.pk}]


def test_recompute_command_replaces_every_list(make_film):
    film, other = make_film(), make_film()
    film.tags.add("cloning")
    other.tags.add("cloning")
    out = io.StringIO()

    call_command("recompute_recommendations", stdout=out)

    assert out.getvalue().startswith("Stored 2 recommendations in ")
    assert titles(film) == [other.title]


# Editors' lists in the admin


def test_the_related_film_field_finds_films_by_title(client, editor, make_film):
    make_film(title="Moon", year=2009)
    make_film(title="Melancholia", year=2011)
    client.force_login(editor)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "moo",
            "app_label": "reviews",
            "model_name": "relatedfilm",
            "field_name": "related",
        },
    )

    assert [result["text"] for result in response.json()["results"]] == ["Moon (2009)"]


def test_an_editor_adds_a_film_not_yet_in_the_catalogue_from_the_related_films_popup(
    client, editor, make_film
):
    film = make_film(title="Never Let Me Go")
    client.force_login(editor)
    page = client.get(reverse("admin:reviews_film_change", args=[film.pk])).text
    add_url = reverse("admin:reviews_film_add") + "?_to_field=id&_popup=1"
    assert f'href="{html.escape(add_url)}"' in page

    response = client.post(
        add_url,
        film_form(
            title="High School Musical 2",
            year="2007",
            slug="high-school-musical-2-2007",
            _popup="1",
            _to_field="id",
        ),
    )

    stub = Film.objects.get(slug="high-school-musical-2-2007")
    assert (stub.title, stub.year, stub.synopsis) == ("High School Musical 2", 2007, "")
    assert "data-popup-response" in response.text


# Refreshing after changes: the same lists as scoring every film again


@pytest.fixture
def small_lists(settings):
    """Short lists from few candidates, so that changes move films across both limits."""
    settings.RECOMMENDATIONS_STORED = 3
    settings.RECOMMENDATION_WEIGHTS = {"prefilter": 6}


def random_catalogue(rng, films=60):
    """Films with tags and credits drawn from small pools, so that they share many."""
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import Tag, TaggedItem

    made = Film.objects.bulk_create(
        Film(title=f"Film {n}", year=rng.randint(1990, 2020), slug=f"film-{n}")
        for n in range(films)
    )
    tags = Tag.objects.bulk_create(Tag(name=f"tag {n}", slug=f"tag-{n}") for n in range(15))
    people = Person.objects.bulk_create(
        Person(name=f"Person {n}", slug=f"person-{n}") for n in range(20)
    )
    film_type = ContentType.objects.get_for_model(Film)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=film_type, object_id=film.pk, tag=tag)
        for film in made
        for tag in rng.sample(tags, rng.randint(1, 4))
    )
    roles = [Credit.Role.DIRECTOR, Credit.Role.WRITER, Credit.Role.CAST]
    Credit.objects.bulk_create(
        Credit(film=film, person=person, role=rng.choice(roles))
        for film in made
        for person in rng.sample(people, rng.randint(1, 3))
    )
    return made


def lists():
    """Every stored list: ``{film id: [(film id, reasons, score)]}`` in order."""
    stored = {}
    for row in Recommendation.objects.order_by("film_id", "position"):
        stored.setdefault(row.film_id, []).append((row.recommended_id, row.reasons, row.score))
    return stored


def changes_keeping_every_count(rng, films):
    """Tags and credits moved from one film to another, films renamed and moved in time:
    no tag or person is on more or fewer films, so every score but those of the films
    changed stays as it was. Returns the ids of the films changed."""
    from taggit.models import TaggedItem

    changed = set()
    items = list(TaggedItem.objects.filter(object_id__in=[film.pk for film in films]))
    for item in rng.sample(items, 16):
        target = rng.choice(films)
        if {item.object_id, target.pk} & changed or item.tag in target.tags.all():
            continue
        changed |= {item.object_id, target.pk}
        item.object_id = target.pk
        item.save()
    for credit in rng.sample(list(Credit.objects.all()), 8):
        target = rng.choice(films)
        if Credit.objects.filter(film__in=[target, credit.film], person=credit.person).count() > 1:
            continue
        changed |= {credit.film_id, target.pk}
        credit.film = target
        credit.save()
    for film in rng.sample(films, 6):
        film.title, film.year = f"Renamed {film.pk}", rng.randint(1990, 2020)
        film.save()
        changed.add(film.pk)
    return changed


@pytest.mark.parametrize("seed", range(1, 9))
def test_a_refresh_after_a_burst_of_changes_stores_what_scoring_every_film_again_would(
    db, small_lists, seed
):
    import random

    rng = random.Random(seed)
    films = random_catalogue(rng)
    recompute_all()
    before = lists()
    changed = changes_keeping_every_count(rng, films)

    recommendations.refresh(changed)
    refreshed = lists()
    recompute_all()

    assert refreshed == lists()
    moved = {pk for pk in refreshed.keys() | before.keys() if refreshed.get(pk) != before.get(pk)}
    assert moved - changed, "some films not changed have lists that changed"
    assert refreshed.keys() - moved, "some films have lists that did not"


def test_a_refresh_reads_and_writes_in_a_few_queries_however_many_films_changed(
    db, small_lists, django_assert_max_num_queries
):
    import random

    rng = random.Random(5)
    films = random_catalogue(rng, films=120)
    recompute_all()
    changed = changes_keeping_every_count(rng, films)
    assert len(changed) > 20

    # The catalogue (6), the bounds, the lists holding the films, the lists read again, and
    # in one transaction (a savepoint in a test, 2): the lists deleted, written (360 rows at
    # most: SQLite takes up to 199 a statement, 2) and the bounds written (120 at most, 1).
    with django_assert_max_num_queries(15):
        recommendations.refresh(changed)
