"""The page cache's two sides agree: every page that shows something is made stale by the
change that alters it, and pages that do not show it stay cached.

Pages name what they show with ``reviews.keys`` (``depend_on``); changes give those keys
new versions (``invalidate``). Each change below lists the pages a reader would see
differently afterwards (they must be rendered again) and pages that do not show what
changed (they must still be served from the cache). Pages in neither list may go either
way: a page made stale when it need not be costs one render, never a wrong page.
"""

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from comments.services import moderate
from core import pagecache
from reviews import keys
from reviews.models import Credit, Critic, Film, Person, RelatedFilm, Review

PAGES = {
    "home": lambda w: "/",
    "review": lambda w: w.review.get_absolute_url(),
    "other review of the film": lambda w: w.sibling.get_absolute_url(),
    "review of another film": lambda w: w.elsewhere.get_absolute_url(),
    "film": lambda w: w.film.get_absolute_url(),
    "another film": lambda w: w.other_film.get_absolute_url(),
    "films": lambda w: "/films/",
    "director": lambda w: w.director.get_absolute_url(),
    "film's tag": lambda w: "/tags/noir/",
    "review's tag": lambda w: "/tags/heist/",
    "tags": lambda w: "/tags/",
    "feed": lambda w: "/feeds/reviews/rss/",
    "search": lambda w: "/search/?q=brick&page=1",
    "critic": lambda w: w.critic.get_absolute_url(),
    "critic's feed": lambda w: f"{w.critic.get_absolute_url()}feed/atom/",
    "another critic": lambda w: w.other_critic.get_absolute_url(),
    "critics": lambda w: "/critics/",
}


pytestmark = pytest.mark.usefixtures("page_cache")


class World:
    """A film with a director, a tag and two reviews (one tagged itself, by a critic), a
    film it recommends with a review of its own (by another critic), and a comment waiting
    on the first review."""

    def __init__(self, make_film, make_review):
        self.film = make_film(title="Brick", year=2005, slug="brick")
        self.other_film = make_film(title="Looper", year=2012, slug="looper")
        self.director = Person.objects.create(name="Rian Johnson", slug="rian-johnson")
        Credit.objects.create(film=self.film, person=self.director, role=Credit.Role.DIRECTOR)
        self.film.tags.add("noir")
        RelatedFilm.objects.create(film=self.film, related=self.other_film)
        self.critic = Critic.objects.create(name="Pauline Kael", slug="pauline-kael")
        self.other_critic = Critic.objects.create(name="Roger Ebert", slug="roger-ebert")
        self.review = make_review(film=self.film, headline="Hard-boiled halls", critic=self.critic)
        self.review.tags.add("heist")
        self.sibling = make_review(film=self.film, headline="A second look")
        self.elsewhere = make_review(
            film=self.other_film, headline="Time loops", critic=self.other_critic
        )
        self.draft = make_review(
            film=self.other_film, headline="Loops again", status=Review.Status.DRAFT
        )
        self.waiting = Comment.objects.create(
            review=self.review, author_name="Ruth", body="Saw it twice.", author_email="r@x.org"
        )


def edit_headline(w, moderator):
    w.review.headline = "Halls, hard-boiled"
    w.review.save()


def approve_comment(w, moderator):
    moderate(Comment.objects.filter(pk=w.waiting.pk), Comment.Status.APPROVED, moderator)


def rename_film(w, moderator):
    w.film.title = "Brick (restored)"
    w.film.save()


def add_cast(w, moderator):
    star = Person.objects.create(name="Joseph Gordon-Levitt", slug="jgl")
    Credit.objects.create(film=w.film, person=star, role=Credit.Role.CAST, character="Brendan")


def add_director_to_other_film(w, moderator):
    Credit.objects.create(film=w.other_film, person=w.director, role=Credit.Role.DIRECTOR)


def tag_film(w, moderator):
    w.film.tags.add("high school")


def publish_draft(w, moderator):
    w.draft.status, w.draft.publish_at = Review.Status.PUBLISHED, timezone.now()
    w.draft.save()


def rename_director(w, moderator):
    w.director.name = "Rian C. Johnson"
    w.director.save()


def unrelate_films(w, moderator):
    RelatedFilm.objects.filter(film=w.film).delete()


def schedule_sibling_for_later(w, moderator):
    w.sibling.status = Review.Status.SCHEDULED
    w.sibling.publish_at = timezone.now() + timedelta(days=7)
    w.sibling.save()


def rename_critic(w, moderator):
    w.critic.name = "Pauline Kael (1919–2001)"
    w.critic.save()


def give_critic_a_link(w, moderator):
    w.critic.links.create(title="Website", url="https://example.com/kael")


def credit_sibling_to_critic(w, moderator):
    w.sibling.critic = w.critic
    w.sibling.save()


def move_review_to_other_critic(w, moderator):
    w.review.critic = w.other_critic
    w.review.save()


# change: (what it does, pages that must be rendered again, pages that must stay cached)
CHANGES = {
    "a review's headline is edited": (
        edit_headline,
        {"home", "review", "other review of the film", "film", "film's tag", "review's tag"}
        | {"feed", "search", "critic", "critic's feed"},
        {"review of another film", "another film", "director", "tags", "another critic"},
    ),
    "a comment is approved": (
        approve_comment,
        {"review", "home", "film's tag", "review's tag"},
        {"other review of the film", "review of another film", "film", "another film"}
        | {"films", "director", "tags", "search"},
    ),
    "a film is renamed": (
        rename_film,
        {"home", "review", "other review of the film", "film", "films", "director"}
        | {"film's tag", "review's tag", "feed", "search"},
        {"tags"},
    ),
    "a film's cast grows": (
        add_cast,
        {"film", "review", "other review of the film"},
        {"home", "review of another film", "another film", "director", "tags", "feed"}
        | {"review's tag", "critics"},
    ),
    # The first film's related films now give "by the same director" as a reason: its
    # pages may change too.
    "a film gets a director": (
        add_director_to_other_film,
        {"another film", "review of another film", "films", "director"},
        {"home", "tags", "feed", "review's tag"},
    ),
    "a film is tagged": (
        tag_film,
        {"film", "review", "other review of the film", "home", "tags", "feed"},
        {"director"},
    ),
    "a draft is published": (
        publish_draft,
        {"home", "another film", "review of another film", "films", "feed"},
        {"director", "tags"},
    ),
    "a person is renamed": (
        rename_director,
        {"director", "film", "review", "other review of the film", "films"},
        {"home", "review of another film", "another film", "tags", "feed", "review's tag"},
    ),
    "a film's editors' pick is taken away": (
        unrelate_films,
        {"film", "review", "other review of the film"},
        {"home", "review of another film", "director", "tags", "feed", "review's tag"},
    ),
    "a review is moved to the schedule": (
        schedule_sibling_for_later,
        {"home", "other review of the film", "film", "film's tag", "feed"},
        {"review of another film", "director", "tags", "critic", "another critic"},
    ),
    # Their name is on their review's card and page, on the film's list of reviews, and
    # on the page of the other review of the film, which lists it.
    "a critic is renamed": (
        rename_critic,
        {"critic", "critic's feed", "review", "other review of the film", "film", "home"}
        | {"film's tag", "review's tag", "feed", "search", "critics"},
        {"another critic", "review of another film", "another film", "director", "tags"},
    ),
    "a critic's links change": (
        give_critic_a_link,
        {"critic"},
        {"another critic", "review", "home", "film", "feed", "tags"},
    ),
    "a review is credited to a critic": (
        credit_sibling_to_critic,
        {"critic", "critic's feed", "other review of the film", "review", "film", "home"}
        | {"critics"},
        {"another critic", "review of another film", "another film", "director", "tags"},
    ),
    "a review moves to another critic": (
        move_review_to_other_critic,
        {"critic", "critic's feed", "another critic", "review", "home", "film", "critics"},
        {"review of another film", "another film", "director", "tags"},
    ),
}


def served_from_cache(url):
    return Client().get(url).get("X-Page-Cache") == "hit"


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_makes_stale_exactly_the_pages_that_show_it(
    change, make_film, make_review, moderator, committed
):
    apply, must_be_stale, must_stay_cached = CHANGES[change]
    assert not must_be_stale & must_stay_cached
    with committed():
        world = World(make_film, make_review)
    urls = {name: url(world) for name, url in PAGES.items()}
    for url in urls.values():
        Client().get(url)
    assert all(served_from_cache(url) for url in urls.values())

    with committed():
        apply(world, moderator)

    stale = {name for name, url in urls.items() if not served_from_cache(url)}
    assert must_be_stale <= stale, f"still served stale: {sorted(must_be_stale - stale)}"
    assert not stale & must_stay_cached, f"rendered again: {sorted(stale & must_stay_cached)}"


def test_every_kind_of_key_pages_show_is_one_changes_invalidate_and_the_reverse(
    make_film, make_review, moderator, committed, monkeypatch
):
    """No page depends on a kind of key that no change ever gives a new version, and no
    change invalidates a kind of key that no page shows; each is one of reviews.keys."""
    with committed():
        world = World(make_film, make_review)
    shown = set()
    for url in PAGES.values():
        key = pagecache.PAGE_PREFIX + hashlib.sha256(url(world).encode()).hexdigest()
        Client().get(url(world))
        shown |= set(cache.get(key)["versions"]) - {pagecache.SITE_KEY}

    invalidated = set()
    real_invalidate = pagecache.invalidate
    monkeypatch.setattr(
        pagecache, "invalidate", lambda *k: invalidated.update(k) or real_invalidate(*k)
    )
    for apply, _, _ in CHANGES.values():
        with committed():
            apply(world, moderator)
        world = refreshed(world)

    every_kind = {kind(key) for key in [keys.review(1), keys.review_article(1), keys.film(1)]}
    every_kind |= {kind(keys.film_details(1))}
    every_kind |= {kind(keys.film_reviews(1)), kind(keys.person(1)), kind(keys.critic(1))}
    every_kind |= {keys.tags(), keys.published_list(), keys.catalogue()}
    assert {kind(key) for key in shown} == every_kind
    assert {kind(key) for key in invalidated} == every_kind


def kind(key):
    return key.split(":")[0]


def refreshed(world):
    names = ("film", "other_film", "review", "sibling", "elsewhere", "draft", "director")
    for name in (*names, "critic", "other_critic"):
        stored = getattr(world, name)
        setattr(world, name, type(stored).objects.get(pk=stored.pk))
    return world


def test_the_films_and_people_of_the_world_are_what_the_pages_show(
    make_film, make_review, committed
):
    """A guard on the fixture itself: the pages above really show what the changes alter."""
    with committed():
        world = World(make_film, make_review)
    films_page = Client().get("/films/").content.decode()
    review_page = Client().get(world.review.get_absolute_url()).content.decode()
    assert "Rian Johnson" in films_page and "Rian Johnson" in review_page
    assert "Looper" in review_page  # the editors' pick, in the related films
    assert Film.objects.count() == 2
