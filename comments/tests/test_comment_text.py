"""How a comment's text is shown: paragraphs and line breaks kept, addresses and the
commenter's website linked with nofollow ugc noopener, and whatever markup or script a reader
types, in the comment or in any field of a form sent back, shown as text and never run."""

import pytest
from django.test import Client

from comments.models import Comment
from comments.services import moderate
from comments.tests.helpers import (
    add_comment,
    comment_item,
    field_error,
    form_errors,
    parse,
    post_comment,
    typed,
)

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


# Comment text.


def test_comment_text_keeps_paragraphs_and_line_breaks(client, review):
    comment = add_comment(review, "First paragraph.\n\nSecond paragraph,\nsecond line.")

    body = comment_item(client.get(review.get_absolute_url()), comment).find(class_="comment__body")

    assert [p.text for p in body.child_elements("p")] == [
        "First paragraph.",
        "Second paragraph, second line.",
    ]
    assert len(body.find_all("br")) == 1


def test_addresses_in_comment_text_become_links_with_nofollow_ugc_noopener(client, review):
    comment = add_comment(
        review, "See https://example.org/essay and www.example.com/notes for more."
    )

    body = comment_item(client.get(review.get_absolute_url()), comment).find(class_="comment__body")

    links = [(a.attrs["href"], a.attrs["rel"]) for a in body.find_all("a")]
    assert links == [
        ("https://example.org/essay", "nofollow ugc noopener"),
        ("http://www.example.com/notes", "nofollow ugc noopener"),
    ]
    assert body.text == "See https://example.org/essay and www.example.com/notes for more."


def test_a_commenters_website_is_linked_with_nofollow_ugc_noopener(client, review):
    comment = add_comment(review, author_name="Ruth", author_url="https://ruth.example.org/")

    author = comment_item(client.get(review.get_absolute_url()), comment).find(
        class_="comment__author"
    )

    link = author.find("a")
    assert (link.attrs["href"], link.attrs["rel"], link.text) == (
        "https://ruth.example.org/",
        "nofollow ugc noopener",
        "Ruth",
    )


def test_html_in_comment_text_is_shown_as_text_never_rendered(client, review):
    typed_html = '<b>bold</b> <a href="https://spam.example">click</a> <p class="x">para</p>'
    comment = add_comment(review, typed_html)

    body = comment_item(client.get(review.get_absolute_url()), comment).find(class_="comment__body")

    assert body.text == " ".join(typed_html.split())
    assert body.find("b") is None
    assert [p.attrs for p in body.find_all("p")] == [{}]
    assert [a.attrs["href"] for a in body.find_all("a")] == ["https://spam.example"]
    assert body.find("a").attrs["rel"] == "nofollow ugc noopener"


# Markup and script typed by a reader.


ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)><svg onload=alert(1)>'


def assert_inert(response):
    """No script, no event handler and no markup a reader typed made it into the page."""
    page = parse(response)
    # The only script on a page is the site's own JSON-LD data block, which never runs.
    scripts = [
        node for node in page.find_all("script") if node.attrs.get("type") != "application/ld+json"
    ]
    assert scripts == []
    assert page.find_all("svg") == []
    assert page.find_all("img", src="x") == []
    handlers = [
        (node.tag, name) for node in page.descendants() for name in node.attrs if name[:2] == "on"
    ]
    assert handlers == []


def test_html_script_and_event_handlers_in_a_comment_render_inert_as_text(
    client, review, moderator
):
    website = 'https://example.org/"onmouseover="alert(1)"><script>alert(1)</script>'
    post_comment(client, review, author_name=ATTACK, author_url=website, body=ATTACK)
    comment = Comment.objects.get()
    writers_view = client.get(review.get_absolute_url())
    moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)
    readers_view = Client().get(review.get_absolute_url())

    for response in (writers_view, readers_view):
        assert_inert(response)
        item = comment_item(response, comment)
        author_link = item.find(class_="comment__author").find("a")
        assert author_link.text == ATTACK
        assert author_link.attrs["href"] == website
        assert item.find(class_="comment__body").text == ATTACK


def test_html_script_and_event_handlers_in_every_field_render_inert_when_the_form_returns(
    client, review
):
    fields = ("author_name", "author_email", "author_url", "body", "parent", "nickname")

    response = post_comment(client, review, issued=ATTACK, **dict.fromkeys(fields, ATTACK))

    assert response.status_code == 400
    assert_inert(response)
    for name in fields:
        assert typed(response, name) == ATTACK, name
    assert field_error(response, "author_email") == "Enter a valid email address."
    assert "This form could not be checked" in form_errors(response)
    assert not Comment.objects.exists()
