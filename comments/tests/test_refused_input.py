"""Input the comment form refuses with a clear message, storing nothing: websites that
are not web addresses, over-long fields, null characters, replies to comments that are not
there, not approved or too deep, reviews that are not published, and posts sent from
another site's page."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.tests.helpers import (
    add_comment,
    comment_data,
    field_error,
    form,
    form_errors,
    parse,
    post_comment,
    typed,
)
from reviews.models import Review
from tests.page_tree import parse_html

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


# Fields.


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "ftp://example.org/file",
    ],
)
def test_a_website_that_is_not_a_web_address_is_refused(client, review, website):
    response = post_comment(client, review, author_url=website)

    assert field_error(response, "author_url") == (
        "Enter a web address starting with http:// or https://."
    )
    assert not Comment.objects.exists()


def test_a_website_without_a_scheme_is_taken_as_https(client, review):
    post_comment(client, review, author_url="ruth.example.org")

    assert Comment.objects.get().author_url == "https://ruth.example.org"


LONG_EMAIL = "ruth@" + ".".join(["a" * 63] * 4) + ".com"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("author_name", "N" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("author_email", LONG_EMAIL, "Ensure this value has at most 254 characters (it has 264)."),
        (
            "author_url",
            "https://example.org/" + "p" * 181,
            "Ensure this value has at most 200 characters (it has 201).",
        ),
        ("body", "w" * 5001, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_an_over_long_field_is_refused_with_a_message(client, review, field, value, message):
    response = post_comment(client, review, **{field: value})

    assert field_error(response, field) == message
    assert typed(response, field) == value
    assert not Comment.objects.exists()


def test_the_comment_length_limit_is_a_setting(client, review, settings):
    settings.COMMENTS_MAX_LENGTH = 20

    response = post_comment(client, review, body="Twenty-one characters")

    assert field_error(response, "body") == (
        "Ensure this value has at most 20 characters (it has 21)."
    )
    assert form(response).find(name="body").attrs["maxlength"] == "20"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("field", ["author_name", "body"])
def test_a_null_character_is_refused_with_a_page_that_names_the_field(client, review, field):
    response = post_comment(client, review, **{field: "Kathy\x00H"})

    assert response.status_code == 400
    problem = parse_html(response.text).find(class_="bad-request__problem").text
    assert problem == f"“{field}” holds a null character (\\0), which no field may hold."
    assert not Comment.objects.exists()


# Replies.


def test_a_reply_to_a_comment_of_another_review_is_refused(client, review, make_review):
    elsewhere = add_comment(make_review(), "On another review.")

    response = post_comment(client, review, parent=elsewhere.pk, body="Misplaced reply.")

    assert "The comment you are replying to is not available." in form_errors(response)
    assert typed(response, "body") == "Misplaced reply."
    assert not Comment.objects.filter(body="Misplaced reply.").exists()


@pytest.mark.parametrize(
    "status", [Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM]
)
def test_a_reply_to_a_comment_that_is_not_approved_is_refused(client, review, status):
    hidden = add_comment(review, "Not for readers.", status=status)

    response = post_comment(client, review, parent=hidden.pk, body="A reply.")

    assert "The comment you are replying to is not available." in form_errors(response)
    assert "Not for readers." not in response.text
    assert not Comment.objects.filter(body="A reply.").exists()


@pytest.mark.parametrize("parent", ["987654321", str(10**20), "-1", "1.5", "one"])
def test_a_reply_to_an_unknown_comment_is_refused(client, review, parent):
    response = post_comment(client, review, parent=parent, body="A reply.")

    assert response.status_code == 400
    assert form_errors(response) in {
        "The comment you are replying to is not available.",
        "Enter a whole number.",
    }
    assert not Comment.objects.exists()


def test_a_reply_deeper_than_allowed_is_refused(client, review):
    top = add_comment(review, "Depth one.")
    middle = add_comment(review, "Depth two.", parent=top)
    deepest = add_comment(review, "Depth three.", parent=middle)

    refused = post_comment(client, review, parent=deepest.pk, body="Depth four.")
    accepted = post_comment(client, review, parent=middle.pk, body="Another depth three.")

    assert "Replies cannot go deeper here" in form_errors(refused)
    assert accepted.status_code == 302
    assert not Comment.objects.filter(body="Depth four.").exists()
    assert Comment.objects.get(body="Another depth three.").depth == 2


# Where and how the comment is sent.


@pytest.mark.parametrize("target", ["draft", "scheduled", "unknown", "out of range"])
def test_posting_to_a_draft_scheduled_or_unknown_review_is_not_found(client, make_review, target):
    review_id = {
        "draft": lambda: make_review(status=Review.Status.DRAFT).pk,
        "scheduled": lambda: (
            make_review(
                status=Review.Status.SCHEDULED, publish_at=timezone.now() + timedelta(days=7)
            ).pk
        ),
        "unknown": lambda: 987654321,
        "out of range": lambda: 10**20,
    }[target]()

    response = client.post(reverse("comments:post", args=[review_id]), comment_data())

    assert response.status_code == 404
    assert parse(response).find("h1").text == "This page is not here"
    assert not Comment.objects.exists()


def post_with_headers(browser, review, headers, **fields):
    return browser.post(
        reverse("comments:post", args=[review.pk]),
        comment_data(**fields),
        headers=headers,
        REMOTE_ADDR="203.0.113.5",
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Referer": "https://attacker.example/page.html"},
        {"Origin": "http://testserver.attacker.example"},
    ],
    ids=["origin", "null-origin", "referer", "lookalike-host"],
)
def test_a_comment_sent_from_another_sites_page_is_refused_and_stores_nothing(review, headers):
    browser = Client(enforce_csrf_checks=True)

    refused = post_with_headers(browser, review, headers, body="Sent from another site.")

    assert refused.status_code == 403
    page = parse(refused)
    assert page.find("h1").text == "Comment not sent"
    assert "This comment was sent from another site" in page.text
    assert page.find("a", href=f"{review.get_absolute_url()}#respond")
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver"},
        {"Referer": "http://testserver/reviews/some-review/"},
        {},
    ],
    ids=["origin", "referer", "neither"],
)
def test_a_comment_sent_from_the_sites_page_needs_no_csrf_cookie_or_token(review, headers):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(review.get_absolute_url())
    assert form(page).find(name="csrfmiddlewaretoken") is None

    accepted = post_with_headers(browser, review, headers, body="Sent from the page.")

    assert accepted.status_code == 302
    assert "csrftoken" not in browser.cookies
    assert list(Comment.objects.values_list("body", flat=True)) == ["Sent from the page."]


def test_a_comment_from_a_trusted_origin_is_accepted(review, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.longtake.example"]
    browser = Client(enforce_csrf_checks=True)

    post_with_headers(browser, review, {"Origin": "https://www.longtake.example"})

    assert Comment.objects.count() == 1


def test_a_forged_form_stamp_is_refused_from_the_sites_own_page(review):
    browser = Client(enforce_csrf_checks=True)
    forged = signing.dumps(time.time() - 30, salt="another-salt")

    refused = post_with_headers(browser, review, {"Origin": "http://testserver"}, issued=forged)

    assert "This form could not be checked" in form_errors(refused)
    assert not Comment.objects.exists()
