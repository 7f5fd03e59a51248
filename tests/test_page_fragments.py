"""Blocks of pages kept in the shared cache (reviews/fragments.py): a page rendered again
for another reason reuses them, and a change to what a block shows shows at once."""

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.template.backends import jinja2 as jinja2_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from comments import services
from comments.models import Comment
from comments.views import PENDING_SESSION_KEY
from core import pagecache
from reviews import keys
from reviews.fragments import RELATED_FILMS_TEMPLATE
from reviews.models import Credit, Critic, Person, RelatedFilm, Review
from tests.factories import image_upload
from tests.page_tree import parse_html
from tests.task_queue import DUMMY_TASKS, TaskQueue

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


# The review's article: everything the review page shows of the review and its film.

REVIEW_TABLES = ["reviews_review", "reviews_film", "reviews_pullquote", "reviews_furtherreading"]
REVIEW_TABLES += ["reviews_credit", "reviews_relatedfilm", "taggit_taggeditem", "taggit_tag"]
ARTICLE_TEMPLATE = "reviews/article/body.html"


def tables_read(queries):
    """Which of the review's own tables the queries read."""
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return [table for table in REVIEW_TABLES if f'"{table}"' in sql]


def page_text(response, selector, **attributes):
    found = parse_html(response.content.decode()).find(selector, **attributes)
    return None if found is None else " ".join(found.text.split())


def tags(response):
    block = parse_html(response.content.decode()).find("ul", class_="tags")
    return [] if block is None else [link.text for link in block.find_all("a")]


def other_reviews(response):
    block = parse_html(response.content.decode()).find("section", class_="more")
    return [] if block is None else [link.text for link in block.find_all("a")]


@pytest.fixture
def pieces_drawn(monkeypatch):
    """The names of the templates Jinja2 renders (Django's test runner records only its own
    engine's), in order."""
    drawn = []
    render = jinja2_backend.Template.render

    def recording(self, context=None, request=None):
        drawn.append(self.template.name)
        return render(self, context, request)

    monkeypatch.setattr(jinja2_backend.Template, "render", recording)
    return drawn


@pytest.fixture
def reviewed_moon(moon, committed, moderator):
    """Moon's review, tagged, with a pull quote, a director and one approved comment."""
    review = moon.reviews.get()
    with committed():
        review.tags.add("isolation")
        review.pull_quotes.create(text="A quiet marvel.", attribution="The Editors")
        director = Person.objects.create(name="Duncan Jones", slug="duncan-jones")
        Credit.objects.create(film=moon, person=director, role=Credit.Role.DIRECTOR)
        comment = Comment.objects.create(
            review=review, author_name="Ann", author_email="ann@example.com", body="Lovely score."
        )
        services.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)
    return review


def comment_waiting(review, body):
    return Comment.objects.create(
        review=review, author_name="Bo", author_email="bo@example.com", body=body
    )


@pytest.mark.parametrize("page_cache_seconds", [600, 0])
def test_a_review_page_made_stale_by_a_comment_shows_it_without_reading_the_review_again(
    reviewed_moon, committed, moderator, settings, page_cache_seconds, pieces_drawn
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = page_cache_seconds, 600
    url = reviewed_moon.get_absolute_url()
    first = Client().get(url)
    drawn_first = list(pieces_drawn)
    with committed():
        waiting = comment_waiting(reviewed_moon, "The score by Clint Mansell, too.")
        services.moderate(Comment.objects.filter(pk=waiting.pk), Comment.Status.APPROVED, moderator)

    pieces_drawn.clear()
    with CaptureQueriesContext(connection) as queries:
        again = Client().get(url)

    assert again.get("X-Page-Cache") is None  # rendered again
    assert "The score by Clint Mansell, too." in again.content.decode()
    assert page_text(again, "h2", id="comments-title") == "2 responses"
    assert page_text(again, "h1") == page_text(first, "h1") == "First light"
    assert page_text(again, "title") == page_text(first, "title")
    assert page_text(again, "figure", class_="pull-quote") == "A quiet marvel. — The Editors"
    assert page_text(again, "section", class_="film-panel") == page_text(
        first, "section", class_="film-panel"
    )
    assert related_films(again) == ["Solaris"]
    assert ARTICLE_TEMPLATE in drawn_first
    assert ARTICLE_TEMPLATE not in pieces_drawn
    assert tables_read(queries) == []


def test_the_kept_article_holds_the_pages_head(reviewed_moon):
    url = reviewed_moon.get_absolute_url()
    first = Client().get(url).content.decode()
    pagecache.invalidate(keys.review(reviewed_moon.pk))  # as a comment would

    again = Client().get(url).content.decode()

    head = parse_html(again).find("head")
    assert head.find("title").text == "First light — Moon (2009) · Long Take"
    assert head.find("link", rel="canonical").attrs["href"] == f"http://testserver{url}"
    assert head.find("meta", property="article:tag").attrs["content"] == "isolation"
    assert '"@type": "Review"' in head.find("script", type="application/ld+json").text
    assert head_of(again) == head_of(first)


def head_of(page):
    return page[: page.index("</head>")]


def edit_review(review, film):
    review.headline = "Second light"
    review.save()


def credit_the_film(review, film):
    star = Person.objects.create(name="Sam Rockwell", slug="sam-rockwell")
    Credit.objects.create(film=film, person=star, role=Credit.Role.CAST, character="Sam Bell")


def tag_the_review(review, film):
    review.tags.add("lunar")


def rename_its_tag(review, film):
    tag = Tag.objects.get(name="isolation")
    tag.name = "solitude"
    tag.save()


def rename_the_critic(review, film):
    critic = Critic.objects.create(name="Ann Hornaday", slug="ann-hornaday")
    review.critic = critic
    review.save()
    critic.name = "Ann Hornaday (Post)"
    critic.save()


def review_the_film_again(review, film):
    Review.objects.create(
        film=film, headline="Dark side", slug="dark-side", body="Again.", status="published"
    )


ARTICLE_CHANGES = {
    "the review is edited": (edit_review, lambda page: page_text(page, "h1") == "Second light"),
    "the film is credited": (
        credit_the_film,
        lambda page: "Sam Rockwell as Sam Bell" in page_text(page, "section", class_="film-panel"),
    ),
    "the review is tagged": (
        tag_the_review,
        lambda page: tags(page) == ["isolation", "lunar"],
    ),
    "its tag is renamed": (
        rename_its_tag,
        lambda page: tags(page) == ["solitude"],
    ),
    "its critic is renamed": (
        rename_the_critic,
        lambda page: page_text(page, "a", class_="author") == "Ann Hornaday (Post)",
    ),
    "the film is reviewed again": (
        review_the_film_again,
        lambda page: other_reviews(page)[:1] == ["Dark side"],
    ),
}


@pytest.mark.parametrize("page_cache_seconds", [600, 0])
@pytest.mark.parametrize("change", ARTICLE_CHANGES)
def test_a_change_to_what_the_article_shows_shows_on_the_next_render(
    reviewed_moon, committed, settings, change, page_cache_seconds
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = page_cache_seconds, 600
    apply, shows_it = ARTICLE_CHANGES[change]
    url = reviewed_moon.get_absolute_url()
    before = Client().get(url)
    assert not shows_it(before)

    with committed():
        apply(Review.objects.get(pk=reviewed_moon.pk), reviewed_moon.film)
    after = Client().get(url)

    assert shows_it(after)
    assert "Lovely score." in after.content.decode()


def test_a_review_of_the_film_scheduled_shows_once_its_time_comes(
    reviewed_moon, committed, settings, monkeypatch
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = 0, 600
    url = reviewed_moon.get_absolute_url()
    now = timezone.now()
    with committed():
        Review.objects.create(
            film=reviewed_moon.film,
            headline="Dark side",
            slug="dark-side",
            body="Soon.",
            status=Review.Status.SCHEDULED,
            publish_at=now + timedelta(hours=1),
        )
    before = Client().get(url)

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=2))
    after = Client().get(url)

    assert other_reviews(before) == [] and other_reviews(after)[:1] == ["Dark side"]


def test_the_article_shows_the_heros_renditions_once_made(make_review, committed, settings):
    settings.TASKS = DUMMY_TASKS
    queue = TaskQueue()
    with committed():
        review = make_review(hero_image=image_upload(size=(1200, 800)), hero_alt="A field")
    before = Client().get(review.get_absolute_url()).content.decode()

    with committed():
        queue.run()
    after = Client().get(review.get_absolute_url()).content.decode()

    assert "480w" not in before and "480w" in after


def test_an_unpublished_review_is_no_longer_shown_from_its_kept_article(reviewed_moon, committed):
    url = reviewed_moon.get_absolute_url()
    Client().get(url)

    with committed():
        reviewed_moon.status = Review.Status.DRAFT
        reviewed_moon.save()

    assert Client().get(url).status_code == 404


def test_a_former_address_still_leads_to_the_review(reviewed_moon, committed):
    old = reviewed_moon.get_absolute_url()
    Client().get(old)

    with committed():
        reviewed_moon.slug = "first-light-on-the-moon"
        reviewed_moon.save()
    moved = Client().get(old)

    assert moved.status_code == 301 and moved["Location"] == "/reviews/first-light-on-the-moon/"
    assert page_text(Client().get(moved["Location"]), "h1") == "First light"


def test_an_editor_sees_a_draft_and_its_notice_and_readers_do_not(
    moon, make_review, committed, editor_client
):
    with committed():
        draft = make_review(film=moon, headline="Dark side", status=Review.Status.DRAFT)

    seen = editor_client.get(draft.get_absolute_url())

    assert page_text(seen, "h1") == "Dark side"
    assert page_text(seen, "p", class_="notice").startswith("Preview: this review is draft")
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_a_signed_in_reader_is_given_the_kept_article_with_their_own_pending_comment(
    reviewed_moon, django_user_model, committed
):
    url = reviewed_moon.get_absolute_url()
    Client().get(url)  # kept
    reader = Client()
    reader.force_login(django_user_model.objects.create_user("reader", password="pw"))
    with committed():
        pending = comment_waiting(reviewed_moon, "Waiting for the moderators.")
    session = reader.session
    session[PENDING_SESSION_KEY] = [pending.pk]
    session.save()

    with CaptureQueriesContext(connection) as queries:
        page = reader.get(url)

    assert page_text(page, "h1") == "First light"
    assert "Waiting for the moderators." in page.content.decode()
    assert "reviews_review" not in tables_read(queries)


# The comments section, kept with the review's comments for readers without a comment of
# their own waiting: a page rendered again around it reads no comment and no discussion.


COMMENT_FORM_FIELDS = {"parent", "issued", "body", "author_name", "author_email", "author_url"}
COMMENT_FORM_FIELDS |= {"nickname", "has_spoilers", "notify"}


def comments_form_fields(response):
    """The names and values of the comment form's fields, as the reader is given them."""
    form = parse_html(response.content.decode()).find("section", id="comments").find("form")
    if form is None:
        return None
    fields = {field.attrs["name"]: field.attrs.get("value") for field in form.find_all("input")}
    return {**fields, "body": form.find("textarea", name="body").text}


def comments_tables_read(queries):
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return [table for table in ["comments_comment", "comments_discussion"] if f'"{table}"' in sql]


def test_a_review_page_rendered_again_reads_neither_its_comments_nor_its_discussion(
    reviewed_moon, settings
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = 0, 600
    first = Client().get(reviewed_moon.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        again = Client().get(reviewed_moon.get_absolute_url())

    assert comments_tables_read(queries) == []
    assert page_text(again, "h2", id="comments-title") == "1 response"
    assert "Lovely score." in again.content.decode()
    fields, fields_first = comments_form_fields(again), comments_form_fields(first)
    assert set(fields) == COMMENT_FORM_FIELDS
    # Each reader is given a time of issue of their own, which the form takes back.
    assert fields["issued"] != fields_first["issued"]
    assert {**fields, "issued": ""} == {**fields_first, "issued": ""}
    posted = Client().post(
        reverse("comments:post", args=[reviewed_moon.pk]),
        {
            "body": "Sent from a kept form.",
            "author_name": "Cy",
            "author_email": "cy@example.com",
            "issued": fields["issued"],
        },
    )
    assert posted.status_code == 302 and Comment.objects.filter(author_name="Cy").exists()


@pytest.fixture
def shared_cache_reads(monkeypatch):
    """The keys of each read of the shared cache, as lists, in order."""
    reads = []
    backend = type(caches["default"])
    get, get_many = backend.get, backend.get_many

    def read_one(self, key, *args, **kwargs):
        reads.append([key])
        return get(self, key, *args, **kwargs)

    def read_many(self, names, *args, **kwargs):
        reads.append(list(names))
        return get_many(self, names, *args, **kwargs)

    monkeypatch.setattr(backend, "get", read_one)
    monkeypatch.setattr(backend, "get_many", read_many)
    return reads


def test_a_review_page_around_its_kept_blocks_reads_their_versions_once(
    reviewed_moon, settings, shared_cache_reads
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = 0, 600
    Client().get(reviewed_moon.get_absolute_url())
    shared_cache_reads.clear()

    again = Client().get(reviewed_moon.get_absolute_url())

    # The article and the comments section both show the review: one read says whether
    # either changed, and neither block is read again from the shared cache.
    assert "Lovely score." in again.content.decode()
    assert len(shared_cache_reads) == 1
    assert pagecache.VERSION_PREFIX + keys.review(reviewed_moon.pk) in shared_cache_reads[0]


def test_a_version_read_before_this_process_invalidated_it_is_read_again(rf, reviewed_moon):
    request = rf.get("/")
    key = keys.review(reviewed_moon.pk)
    before = pagecache.versions_for(request, [key])

    pagecache.invalidate(key)

    assert pagecache.versions_for(request, [key]) != before
    assert pagecache.versions_for(request, [key]) == pagecache.current_versions([key])


@pytest.mark.parametrize("page_cache_seconds", [600, 0])
def test_comments_closed_and_opened_again_by_the_editors_show_on_the_next_render(
    reviewed_moon, committed, settings, page_cache_seconds
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = page_cache_seconds, 600
    url = reviewed_moon.get_absolute_url()
    assert comments_form_fields(Client().get(url)) is not None

    with committed():
        services.set_comments_open(reviewed_moon, False)
    closed = Client().get(url)
    with committed():
        services.set_comments_open(reviewed_moon, True)
    opened = Client().get(url)

    assert page_text(closed, "p", class_="comments-closed") == "Comments are closed."
    assert comments_form_fields(closed) is None
    assert page_text(opened, "p", class_="comments-closed") is None
    assert comments_form_fields(opened) is not None


def test_comments_that_close_with_the_reviews_age_are_not_shown_open_from_the_kept_section(
    make_review, committed, settings
):
    settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS = 0, 600
    with committed():
        review = make_review(publish_at=timezone.now() - timedelta(days=10))
    assert comments_form_fields(Client().get(review.get_absolute_url())) is not None  # kept

    settings.COMMENTS_CLOSE_AFTER_DAYS = 7  # as if the days had passed since
    closed = Client().get(review.get_absolute_url())

    assert page_text(closed, "p", class_="comments-closed") == "Comments are closed."
    assert comments_form_fields(closed) is None
