"""Comments as readers meet them on a review page, and the bad input they might send.

Every test reads the page as a reader would (parsed HTML) or checks what was stored.
"""

import hashlib
import io
import itertools
import smtplib
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments import notifications
from comments.forms import TIMESTAMP_SALT, signed_timestamp
from comments.models import Comment, Discussion
from comments.services import (
    address_hash,
    moderate,
    reply_as_staff,
    set_comments_open,
    update_comment_counts,
)
from reviews.models import Credit, Person, Review
from tests.page_tree import parse_html

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")

_sequence = itertools.count(1)


def parse(response):
    return parse_html(response.content.decode())


# Reading the comments section.


def section(response):
    return parse(response).find(id="comments")


def heading(response):
    return section(response).find("h2").text


def threads(response):
    """The shown comments as ``[(author, body, [replies…]), …]``, in page order."""

    def read(ol):
        return [
            (
                li.find(class_="comment__author").text,
                li.find(class_="comment__body").text,
                read(li.child_elements("ol")[0]) if li.child_elements("ol") else [],
            )
            for li in ol.child_elements("li")
        ]

    lists = section(response).child_elements("ol")
    return read(lists[0]) if lists else []


def comment_item(response, comment):
    return parse(response).find("li", id=f"comment-{comment.pk}")


def bodies_shown(response):
    page = section(response)
    return [body.text for body in page.find_all(class_="comment__body")] if page else []


def messages_shown(response):
    box = parse(response).find(class_="messages")
    return box.text if box else ""


def form(response):
    return section(response).find("form")


def field_error(response, name):
    """The error shown in the same paragraph as the field, next to it."""
    control = form(response).find(name=name)
    error = control.parent.find(class_="field-error")
    return error.text if error else ""


def form_errors(response):
    """Every error the form shows, next to a field or above the form."""
    errors = form(response).find_all(class_="field-error")
    errors += form(response).find_all(class_="form-errors")
    return " ".join(error.text for error in errors)


def typed(response, name):
    control = form(response).find(name=name)
    if control.tag == "textarea":
        return control.raw_text.removeprefix("\n")
    if control.attrs.get("type") == "checkbox":
        return "checked" in control.attrs
    return control.attrs.get("value") or ""


# Builders.


def human_timestamp(seconds_ago=30):
    """A form issued some time ago, as by a person who took time to write."""
    return signing.dumps(time.time() - seconds_ago, salt=TIMESTAMP_SALT)


def comment_data(**fields):
    data = {
        "author_name": "Ruth",
        "author_email": "ruth@example.com",
        "author_url": "",
        "body": "Quietly devastating, and right about the ending.",
        "issued": human_timestamp(),
        "parent": "",
        "nickname": "",
    }
    data.update(fields)
    return data


def post_comment(client, review, *, address="203.0.113.5", follow=False, **fields):
    return client.post(
        reverse("comments:post", args=[review.pk]),
        comment_data(**fields),
        REMOTE_ADDR=address,
        follow=follow,
    )


def mail_server_down(*args, **kwargs):
    raise smtplib.SMTPException("Connection refused")


def add_comment(review, body=None, **fields):
    """A comment stored directly, approved unless told otherwise."""
    n = next(_sequence)
    fields.setdefault("author_name", f"Reader {n}")
    fields.setdefault("author_email", f"reader{n}@example.com")
    fields.setdefault("status", Comment.Status.APPROVED)
    comment = Comment.objects.create(review=review, body=body or f"Comment {n}.", **fields)
    update_comment_counts([review.pk])
    return comment


def stored_count(review):
    """The review's number of approved comments as stored for the listings."""
    return Discussion.objects.get(review=review).approved_count


def closed_by_the_editor(review):
    set_comments_open(review, False)
    return review


@pytest.fixture
def review(make_review):
    return make_review(headline="Never Let Me Go, reconsidered")


@pytest.fixture
def moderator_with_email(moderator):
    moderator.email = "moderator@example.com"
    moderator.save()
    return moderator


# What readers see.


def test_approved_comments_are_threaded_under_their_parents_oldest_first(client, review):
    now = timezone.now()
    later = add_comment(review, "Second thread.", author_name="Tommy", submitted_at=now)
    first = add_comment(
        review, "First thread.", author_name="Kathy", submitted_at=now - timedelta(hours=2)
    )
    add_comment(review, "Reply to Tommy.", author_name="Ruth", parent=later, submitted_at=now)
    reply = add_comment(
        review, "Reply to Kathy.", author_name="Miss Lucy", parent=first, submitted_at=now
    )
    add_comment(
        review,
        "Reply to the reply.",
        author_name="Madame",
        parent=reply,
        submitted_at=now + timedelta(minutes=1),
    )

    response = client.get(review.get_absolute_url())

    assert threads(response) == [
        (
            "Kathy",
            "First thread.",
            [("Miss Lucy", "Reply to Kathy.", [("Madame", "Reply to the reply.", [])])],
        ),
        ("Tommy", "Second thread.", [("Ruth", "Reply to Tommy.", [])]),
    ]


def test_each_comment_shows_when_it_was_written_in_the_sites_time_zone(client, review, settings):
    settings.TIME_ZONE = "Europe/London"
    written = datetime(2026, 7, 4, 20, 5, tzinfo=UTC)
    comment = add_comment(review, submitted_at=written)
    undated = add_comment(review)
    Comment.objects.filter(pk=undated.pk).update(submitted_at=None)  # as in the seed

    response = client.get(review.get_absolute_url())

    time_element = comment_item(response, comment).find("time")
    assert time_element.text == "4 July 2026, 21:05"
    assert time_element.attrs["datetime"] == "2026-07-04T21:05:00+0100"
    assert comment_item(response, undated).find("time") is None


def test_response_count_counts_approved_comments_only(client, review):
    add_comment(review, "Approved one.")
    add_comment(review, "Approved two.")
    add_comment(review, "Waiting.", status=Comment.Status.PENDING)
    add_comment(review, "Rejected.", status=Comment.Status.REJECTED)
    add_comment(review, "Spam.", status=Comment.Status.SPAM)

    response = client.get(review.get_absolute_url())

    assert heading(response) == "2 responses"
    assert bodies_shown(response) == ["Approved one.", "Approved two."]


def test_one_response_is_counted_in_the_singular(client, review):
    add_comment(review, "Alone.")
    assert heading(client.get(review.get_absolute_url())) == "1 response"


def test_pending_rejected_and_spam_comments_are_not_shown_to_readers(client, review):
    for status in (Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM):
        add_comment(review, f"A {status} comment.", status=status)

    response = client.get(review.get_absolute_url())

    assert heading(response) == "0 responses"
    assert bodies_shown(response) == []
    for status in ("pending", "rejected", "spam"):
        assert f"A {status} comment" not in response.text


def test_an_approved_reply_stays_on_the_page_when_its_parent_is_taken_down(
    client, review, moderator
):
    parent = add_comment(review, "Later found to be spam.")
    add_comment(review, "A reply worth keeping.", author_name="Tommy", parent=parent)

    moderate(Comment.objects.filter(pk=parent.pk), Comment.Status.SPAM, moderator)
    response = client.get(review.get_absolute_url())

    assert heading(response) == "1 response"
    assert threads(response) == [("Tommy", "A reply worth keeping.", [])]


def test_replies_by_the_review_author_and_by_staff_are_marked(client, review, editor):
    question = add_comment(review, "Did you read the novel?", author_name="Ruth")
    by_author = add_comment(
        review, "I did, years ago.", author_name="Melissa", parent=question, is_review_author=True
    )
    by_staff = reply_as_staff(Comment(parent=question, body="We have a piece on it."), editor)

    response = client.get(review.get_absolute_url())

    assert comment_item(response, by_author).find(class_="badge").text == "Author"
    assert comment_item(response, by_staff).find(class_="badge").text == "Staff"
    assert (
        comment_item(response, question).find(class_="comment__meta").find(class_="badge") is None
    )


def test_a_staff_reply_is_signed_with_its_writers_name_as_it_is_now(client, review, editor):
    question = add_comment(review, "Who runs this site?", author_name="Ruth")
    reply = reply_as_staff(Comment(parent=question, body="A small team."), editor)
    signed_before = comment_item(client.get(review.get_absolute_url()), reply)

    editor.first_name, editor.last_name = "Edith", "Park"
    editor.save()
    signed_after = comment_item(client.get(review.get_absolute_url()), reply)

    assert signed_before.find(class_="comment__author").text == "editor"
    assert signed_after.find(class_="comment__author").text == "Edith Park"
    assert signed_after.find(class_="badge").text == "Staff"


def test_a_staff_reply_keeps_its_writers_name_when_their_account_is_deleted(client, review, editor):
    editor.first_name, editor.last_name = "Edith", "Park"
    editor.save()
    question = add_comment(review, "Who runs this site?", author_name="Ruth")
    reply = reply_as_staff(Comment(parent=question, body="A small team."), editor)

    editor.delete()

    page = client.get(review.get_absolute_url())
    assert comment_item(page, reply).find(class_="comment__author").text == "Edith Park"


def test_a_staff_reply_signed_with_a_chosen_name_keeps_it(client, review, editor):
    question = add_comment(review, "Who runs this site?", author_name="Ruth")
    reply = reply_as_staff(Comment(parent=question, body="Ask us.", author_name="The desk"), editor)
    editor.first_name = "Edith"
    editor.save()

    page = client.get(review.get_absolute_url())
    assert comment_item(page, reply).find(class_="comment__author").text == "The desk"


def test_the_form_asks_for_name_email_and_comment_and_offers_an_optional_website(client, review):
    response = client.get(review.get_absolute_url())
    comment_form = form(response)

    labels = {
        label.attrs["for"]: label.text for label in comment_form.find_all("label") if label.text
    }
    assert labels["id_author_name"] == "Name *"
    assert labels["id_author_email"] == "Email *"
    assert labels["id_body"] == "Comment *"
    assert labels["id_author_url"] == "Website"
    assert comment_form.find(id="id_author_email_helptext").text == "Never published."
    assert comment_form.find(id="id_author_url_helptext").text == "Optional."
    assert "Required fields are marked *" in section(response).find(class_="form-note").text
    assert comment_form.attrs["action"].startswith(reverse("comments:post", args=[review.pk]))


def test_each_comment_has_a_reply_link_that_attaches_the_form_to_it(client, review):
    ruth = add_comment(review, "Heartbreaking.", author_name="Ruth")
    add_comment(review, "Too slow.", author_name="Tommy")

    page = client.get(review.get_absolute_url())
    link = comment_item(page, ruth).find(class_="comment__reply").find("a")
    assert link.text == "Reply"
    response = client.get(review.get_absolute_url() + link.attrs["href"])

    respond = section(response).find(id="respond")
    assert respond.find("h3").text == "Reply to Ruth"
    assert respond.find(class_="replying").text == "Cancel the reply"
    assert form(response).find(name="parent").attrs["value"] == str(ruth.pk)


def test_without_a_reply_target_the_form_starts_a_new_thread(client, review):
    response = client.get(review.get_absolute_url())

    assert section(response).find(id="respond").find("h3").text == "Leave a comment"
    assert typed(response, "parent") == ""


def test_reply_links_stop_at_the_thread_depth_of_three_by_default(client, review):
    top = add_comment(review, "Depth one.")
    middle = add_comment(review, "Depth two.", parent=top)
    deepest = add_comment(review, "Depth three.", parent=middle)

    response = client.get(review.get_absolute_url())

    assert comment_item(response, top).find(class_="comment__reply") is not None
    assert comment_item(response, middle).find(class_="comment__reply") is not None
    assert comment_item(response, deepest).find(class_="comment__reply") is None


def test_the_thread_depth_is_a_setting(client, review, settings):
    settings.COMMENTS_THREAD_DEPTH = 2
    top = add_comment(review, "Depth one.")
    reply = add_comment(review, "Depth two.", parent=top)

    response = client.get(review.get_absolute_url())
    refused = post_comment(client, review, parent=reply.pk, body="Depth three.")

    assert comment_item(response, top).find(class_="comment__reply") is not None
    assert comment_item(response, reply).find(class_="comment__reply") is None
    assert "Replies cannot go deeper here" in form_errors(refused)
    assert not Comment.objects.filter(body="Depth three.").exists()


# Posting a comment.


def test_a_posted_comment_awaits_moderation_and_the_reader_is_told(client, review):
    response = post_comment(client, review, body="My first comment.", follow=True)

    comment = Comment.objects.get()
    assert response.redirect_chain[-1][0] == comment.get_absolute_url()
    assert "Your comment is awaiting moderation" in messages_shown(response)
    assert (comment.status, comment.held_reason) == (
        Comment.Status.PENDING,
        Comment.Reason.MODERATION,
    )
    assert comment.author_email == "ruth@example.com"


def test_the_writer_sees_their_pending_comment_marked_as_pending(client, review):
    post_comment(client, review, body="Waiting for a moderator.")
    comment = Comment.objects.get()

    response = client.get(review.get_absolute_url())

    item = comment_item(response, comment)
    assert "comment--pending" in item.attrs["class"]
    assert item.find(class_="badge--pending").text == "Your comment is awaiting moderation"
    assert item.find(class_="comment__body").text == "Waiting for a moderator."
    assert item.find(class_="comment__reply") is None
    assert heading(response) == "0 responses"


def test_nobody_else_sees_a_pending_comment(client, review):
    post_comment(client, review, body="Waiting for a moderator.")

    response = Client().get(review.get_absolute_url())

    assert bodies_shown(response) == []
    assert "awaiting moderation" not in response.text


def test_a_pending_reply_appears_under_its_parent_for_its_writer(client, review):
    parent = add_comment(review, "The ending!", author_name="Kathy")

    post_comment(client, review, parent=parent.pk, body="Agreed.", author_name="Tommy")
    response = client.get(review.get_absolute_url())

    assert threads(response) == [("Kathy", "The ending!", [("Tommy", "Agreed.", [])])]
    assert Comment.objects.get(body="Agreed.").depth == 1


def test_once_approved_the_comment_is_shown_to_everyone_without_the_pending_mark(
    client, review, moderator, django_capture_on_commit_callbacks
):
    post_comment(client, review, body="Worth the wait.")
    comment = Comment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)

    for reader in (client, Client()):
        response = reader.get(review.get_absolute_url())
        assert bodies_shown(response) == ["Worth the wait."]
        assert heading(response) == "1 response"
        assert comment_item(response, comment).find(class_="badge--pending") is None
    assert stored_count(review) == 1


def test_an_error_keeps_everything_typed_and_says_what_to_fix_next_to_the_field(client, review):
    response = post_comment(
        client,
        review,
        author_name="Ruth",
        author_email="not an address",
        author_url="https://ruth.example.org/",
        body="A long comment I would hate to lose.\n\nWith two paragraphs.",
        notify="on",
    )

    assert response.status_code == 400
    assert field_error(response, "author_email") == "Enter a valid email address."
    assert field_error(response, "body") == ""
    assert typed(response, "author_name") == "Ruth"
    assert typed(response, "author_email") == "not an address"
    assert typed(response, "author_url") == "https://ruth.example.org/"
    assert typed(response, "body") == "A long comment I would hate to lose.\n\nWith two paragraphs."
    assert typed(response, "notify") is True
    assert "field--error" in form(response).find(name="author_email").parent.attrs["class"]
    assert form(response).find(name="author_email").attrs["aria-invalid"] == "true"
    assert not Comment.objects.exists()


def test_the_form_shown_again_after_an_error_can_be_sent(client, review):
    refused = post_comment(client, review, author_email="", body="Second try.")

    data = {
        name: typed(refused, name)
        for name in ("author_name", "author_url", "body", "issued", "parent", "nickname")
    }
    data["author_email"] = "ruth@example.com"
    response = client.post(form(refused).attrs["action"], data, REMOTE_ADDR="203.0.113.5")

    assert response.status_code == 302
    assert Comment.objects.get().body == "Second try."


def test_each_missing_required_field_is_explained(client, review):
    response = post_comment(client, review, author_name="", author_email="", body="   ")

    assert field_error(response, "author_name") == "Give a name to sign it with."
    assert field_error(response, "author_email") == (
        "Give your email address; it is never published."
    )
    assert field_error(response, "body") == "Write your comment."
    assert field_error(response, "author_url") == ""
    assert not Comment.objects.exists()


# Closed comments.


def test_comments_closed_by_the_editor_replace_the_form_and_keep_existing_comments(
    client, make_review
):
    review = closed_by_the_editor(make_review())
    add_comment(review, "Said before closing.")

    response = client.get(review.get_absolute_url())

    assert section(response).find(class_="comments-closed").text == "Comments are closed."
    assert section(response).find("form") is None
    assert bodies_shown(response) == ["Said before closing."]
    assert section(response).find(class_="comment__reply") is None


def test_comments_close_automatically_some_days_after_publication(client, make_review, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make_review(publish_at=timezone.now() - timedelta(days=31))
    recent = make_review(publish_at=timezone.now() - timedelta(days=29))
    add_comment(old, "From the first month.")

    old_page = client.get(old.get_absolute_url())
    recent_page = client.get(recent.get_absolute_url())

    assert section(old_page).find(class_="comments-closed").text == "Comments are closed."
    assert section(old_page).find("form") is None
    assert bodies_shown(old_page) == ["From the first month."]
    assert section(recent_page).find(class_="comments-closed") is None
    assert form(recent_page) is not None


def test_comments_stay_open_by_default_however_old_the_review(client, make_review):
    review = make_review(publish_at=timezone.now() - timedelta(days=3650))
    assert form(client.get(review.get_absolute_url())) is not None


def test_posting_to_a_review_with_closed_comments_is_refused(client, make_review, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    closed_by_editor = closed_by_the_editor(make_review())
    closed_by_age = make_review(publish_at=timezone.now() - timedelta(days=31))

    for review in (closed_by_editor, closed_by_age):
        response = post_comment(client, review, body="Too late.")
        assert section(response).find(class_="comments-closed").text == "Comments are closed."
    assert not Comment.objects.exists()


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


# Screening rules.


def test_every_comment_waits_for_a_moderator_by_default_even_from_a_returning_commenter(
    client, review
):
    add_comment(review, "An earlier approved comment.", author_email="ruth@example.com")

    post_comment(client, review, body="Back again.")

    comment = Comment.objects.get(body="Back again.")
    assert comment.status == Comment.Status.PENDING
    assert bodies_shown(Client().get(review.get_absolute_url())) == ["An earlier approved comment."]


def test_a_returning_commenter_skips_the_queue_when_the_setting_allows(
    client, review, settings, django_capture_on_commit_callbacks
):
    settings.COMMENTS_APPROVE_RETURNING = True
    add_comment(review, "An earlier approved comment.", author_email="ruth@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(
            client, review, author_email="RUTH@example.com", body="Back again.", follow=True
        )

    assert "your comment is published" in messages_shown(response)
    assert Comment.objects.get(body="Back again.").status == Comment.Status.APPROVED
    assert bodies_shown(Client().get(review.get_absolute_url())) == [
        "An earlier approved comment.",
        "Back again.",
    ]
    assert stored_count(review) == 2


def test_a_first_time_commenter_waits_even_when_returning_commenters_skip_the_queue(
    client, review, settings
):
    settings.COMMENTS_APPROVE_RETURNING = True
    add_comment(review, "Someone else's.", author_email="kathy@example.com")

    post_comment(client, review, author_email="ruth@example.com", body="First time here.")

    assert Comment.objects.get(body="First time here.").status == Comment.Status.PENDING


def test_a_comment_with_too_many_links_is_held_even_from_a_returning_commenter(
    client, review, settings
):
    settings.COMMENTS_APPROVE_RETURNING = True
    settings.COMMENTS_HOLD_LINKS = 2
    add_comment(review, "An earlier approved comment.", author_email="ruth@example.com")

    post_comment(client, review, body="One link: https://example.org/a")
    post_comment(
        client,
        review,
        body="A link and a website: https://example.org/b",
        author_url="https://ruth.example.org/",
    )
    post_comment(client, review, body="Two links: https://example.org/c www.example.org/d")

    held = Comment.objects.filter(held_reason=Comment.Reason.LINKS)
    assert sorted(held.values_list("body", flat=True)) == [
        "A link and a website: https://example.org/b",
        "Two links: https://example.org/c www.example.org/d",
    ]
    assert all(comment.status == Comment.Status.PENDING for comment in held)
    assert Comment.objects.get(body__startswith="One link").status == Comment.Status.APPROVED


def test_a_blocked_word_sends_a_comment_straight_to_spam_unseen_even_by_its_writer(
    client, review, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.COMMENTS_SPAM_WORDS = ["casino bonus"]
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, review, body="Claim your CASINO BONUS now", follow=True)

    comment = Comment.objects.get()
    assert (comment.status, comment.held_reason) == (
        Comment.Status.SPAM,
        Comment.Reason.BLOCKED_WORD,
    )
    assert "Your comment is awaiting moderation" in messages_shown(response)
    assert bodies_shown(response) == []
    assert mailoutbox == []


def test_filling_the_hidden_honeypot_field_sends_a_comment_to_spam(client, review):
    response = post_comment(client, review, nickname="bot", body="Great post!", follow=True)

    comment = Comment.objects.get()
    assert (comment.status, comment.held_reason) == (
        Comment.Status.SPAM,
        Comment.Reason.HONEYPOT,
    )
    assert bodies_shown(response) == []
    honeypot = section(client.get(review.get_absolute_url())).find(class_="honeypot")
    assert honeypot.attrs["aria-hidden"] == "true"
    assert honeypot.find("input").attrs["tabindex"] == "-1"


def test_spam_is_kept_never_shown_and_can_be_restored(client, review, moderator):
    post_comment(client, review, nickname="filled by mistake", body="A real reader.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert bodies_shown(Client().get(review.get_absolute_url())) == []

    restored = moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)

    assert [restored_comment.pk for restored_comment in restored] == [comment.pk]
    response = Client().get(review.get_absolute_url())
    assert bodies_shown(response) == ["A real reader."]
    assert heading(response) == "1 response"


def test_a_form_sent_inhumanly_fast_is_held_for_a_moderator(client, review, settings):
    settings.COMMENTS_APPROVE_RETURNING = True
    add_comment(review, "An earlier approved comment.", author_email="ruth@example.com")

    post_comment(client, review, issued=signed_timestamp(), body="Sent at once.")

    comment = Comment.objects.get(body="Sent at once.")
    assert (comment.status, comment.held_reason) == (
        Comment.Status.PENDING,
        Comment.Reason.TOO_FAST,
    )


def test_a_stale_form_is_refused_and_keeps_what_was_typed(client, review, monkeypatch):
    issued_at = time.time() - django_settings.COMMENTS_MAX_FORM_AGE - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: issued_at)
        stale = signing.dumps(issued_at, salt=TIMESTAMP_SALT)

    response = post_comment(client, review, issued=stale, body="Written over a weekend.")

    assert "This form was open too long" in form_errors(response)
    assert typed(response, "body") == "Written over a weekend."
    assert typed(response, "issued") != stale
    assert not Comment.objects.exists()


def test_a_forged_form_timestamp_is_refused(client, review):
    forged = signing.dumps(time.time() - 30, salt="another-salt")

    response = post_comment(client, review, issued=forged)

    assert "This form could not be checked" in form_errors(response)
    assert not Comment.objects.exists()


def test_comments_past_the_rate_limit_from_one_address_are_refused(client, review, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    for n in range(2):
        post_comment(client, review, body=f"Comment {n}.")

    refused = post_comment(Client(), review, body="One too many.")
    elsewhere = post_comment(Client(), review, address="198.51.100.20", body="From elsewhere.")

    assert "You have sent several comments in a short time" in form_errors(refused)
    assert typed(refused, "body") == "One too many."
    assert elsewhere.status_code == 302
    assert sorted(Comment.objects.values_list("body", flat=True)) == [
        "Comment 0.",
        "Comment 1.",
        "From elsewhere.",
    ]


def test_the_rate_limit_is_counted_in_the_shared_cache_not_in_process_memory(client, review):
    assert django_settings.CACHES["default"]["BACKEND"] in {
        "django.core.cache.backends.db.DatabaseCache",
        "core.resilience.ResilientRedisCache",
    }
    post_comment(client, review, body="One.")
    post_comment(client, review, body="Two.")

    # A new connection to the cache, as another server process would open.
    other_process = caches.create_connection("default")

    assert other_process.get(f"comments:rate:{address_hash('203.0.113.5')}") == 2


def test_the_rate_limit_counts_each_visitor_behind_the_sites_proxy(client, review, settings):
    settings.NUM_PROXIES = 1
    settings.COMMENTS_RATE_LIMIT = 1

    def post_through_proxy(visitor, body):
        return client.post(
            reverse("comments:post", args=[review.pk]),
            comment_data(body=body),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=visitor,
        )

    post_through_proxy("198.51.100.1", "From one visitor.")
    post_through_proxy("198.51.100.2", "From another visitor.")
    refused = post_through_proxy("198.51.100.1", "The first visitor again.")

    assert "You have sent several comments in a short time" in form_errors(refused)
    assert sorted(Comment.objects.values_list("body", flat=True)) == [
        "From another visitor.",
        "From one visitor.",
    ]
    assert Comment.objects.get(body="From one visitor.").ip_hash == address_hash("198.51.100.1")


def test_an_exact_duplicate_is_refused_with_youve_already_said_that(client, review, make_review):
    post_comment(client, review, author_email="ruth@example.com", body="Same words.")

    response = post_comment(client, review, author_email="Ruth@Example.com", body="Same words.")
    elsewhere = post_comment(
        client, make_review(), author_email="ruth@example.com", body="Same words."
    )

    assert "already said that" in form_errors(response)
    assert typed(response, "body") == "Same words."
    assert elsewhere.status_code == 302
    assert Comment.objects.filter(review=review).count() == 1


# Notifications.


def test_moderators_are_emailed_when_a_comment_waits(
    client, review, settings, moderator_with_email, mailoutbox, django_capture_on_commit_callbacks
):
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, review, body="Please approve me.", notify="on")

    [email] = mailoutbox
    assert sorted(email.to) == ["moderator@example.com", "queue@example.com"]
    assert review.headline in email.subject
    assert "Please approve me." in email.body
    assert "/admin/comments/comment/?status__exact=pending" in email.body


def test_links_in_an_email_sent_from_a_request_lead_to_the_host_it_came_to(
    client, review, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "films.example.org"]
    settings.SITE_URL_FROM_REQUESTS, settings.SITE_URL = True, "http://127.0.0.1:8000"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("comments:post", args=[review.pk]),
            comment_data(),
            headers={"host": "films.example.org:8080"},
        )

    [email] = mailoutbox
    assert "http://films.example.org:8080/admin/comments/comment/?status__exact=pending" in (
        email.body
    )
    assert "127.0.0.1:8000" not in email.body


def test_links_in_emails_lead_to_site_url_when_it_is_set(
    client, review, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]
    settings.SITE_URL_FROM_REQUESTS, settings.SITE_URL = False, "https://longtake.example.com"

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, review)

    [email] = mailoutbox
    assert "https://longtake.example.com/admin/comments/comment/?status__exact=pending" in (
        email.body
    )


def test_nothing_is_mailed_to_commenters_before_approval(
    client, review, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]
    parent = add_comment(review, "Tell me when someone answers.", notify=True)

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(
            client,
            review,
            parent=parent.pk,
            author_email="tommy@example.com",
            body="An answer, not yet approved.",
            notify="on",
        )

    assert [email.to for email in mailoutbox] == [["queue@example.com"]]


def test_a_commenter_who_asked_is_emailed_when_their_comment_is_approved(
    client, review, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    post_comment(client, review, author_email="asked@example.com", body="Tell me.", notify="on")
    post_comment(client, review, author_email="silent@example.com", body="Don't tell me.")

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    [email] = mailoutbox
    comment = Comment.objects.get(body="Tell me.")
    assert email.to == ["asked@example.com"]
    assert review.headline in email.subject
    assert comment.get_absolute_url() in email.body


def test_a_commenter_who_asked_is_emailed_when_an_approved_reply_answers_them(
    client, review, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    parent = add_comment(
        review, "Tell me when someone answers.", author_email="kathy@example.com", notify=True
    )
    post_comment(
        client, review, parent=parent.pk, author_email="tommy@example.com", body="An answer."
    )
    reply = Comment.objects.get(body="An answer.")

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.filter(pk=reply.pk), Comment.Status.APPROVED, moderator)

    [email] = mailoutbox
    assert email.to == ["kathy@example.com"]
    assert "reply" in email.subject.lower()
    assert "An answer." in email.body
    assert reply.get_absolute_url() in email.body


def test_approving_many_comments_tells_each_commenter_over_one_mail_connection(
    review, moderator, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    for n in range(5):
        add_comment(
            review,
            f"Comment {n}.",
            author_email=f"reader{n}@example.com",
            notify=True,
            status=Comment.Status.PENDING,
        )
    connections = []
    open_connection = notifications.get_connection
    monkeypatch.setattr(
        notifications,
        "get_connection",
        lambda: connections.append(open_connection()) or connections[-1],
    )

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    assert sorted(email.to[0] for email in mailoutbox) == [
        f"reader{n}@example.com" for n in range(5)
    ]
    assert len(connections) == 1


def test_approvals_stand_and_are_logged_when_the_mail_server_cannot_be_reached(
    review, moderator, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    add_comment(review, "Approve me.", notify=True, status=Comment.Status.PENDING)

    def refuse(self):
        raise smtplib.SMTPConnectError(421, "Service not available")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.open", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    assert bodies_shown(Client().get(review.get_absolute_url())) == ["Approve me."]
    assert "Could not reach the mail server for 1 approved comments" in caplog.text


def test_a_reply_approved_together_with_its_restored_parent_notifies_the_parents_author(
    client, review, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    parent = add_comment(
        review, "Tell me when someone answers.", author_email="kathy@example.com", notify=True
    )
    post_comment(
        client, review, parent=parent.pk, author_email="tommy@example.com", body="An answer."
    )
    moderate(Comment.objects.filter(pk=parent.pk), Comment.Status.SPAM, moderator)

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    replies = [email for email in mailoutbox if "reply" in email.subject.lower()]
    assert [email.to for email in replies] == [["kathy@example.com"]]
    assert "An answer." in replies[0].body


def test_a_commenter_who_did_not_ask_is_not_emailed_about_replies(
    client, review, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    parent = add_comment(review, "No emails, please.", author_email="kathy@example.com")
    post_comment(client, review, parent=parent.pk, body="An answer.")

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.filter(body="An answer."), Comment.Status.APPROVED, moderator)

    assert mailoutbox == []


def test_a_comment_is_saved_even_when_the_notification_email_fails(
    client, review, moderator_with_email, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(notifications, "send_mail", mail_server_down)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_comment(client, review, body="Do not lose me.", follow=True)

    assert len(callbacks) == 1
    assert Comment.objects.get().body == "Do not lose me."
    assert "Your comment is awaiting moderation" in messages_shown(response)
    assert bodies_shown(response) == ["Do not lose me."]
    assert "Could not send" in caplog.text


def test_an_approval_stands_even_when_the_notification_email_fails(
    client, review, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    post_comment(client, review, body="Approve me.", notify="on")
    monkeypatch.setattr(notifications, "send_mail", mail_server_down)

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    assert bodies_shown(Client().get(review.get_absolute_url())) == ["Approve me."]


# Privacy.


def test_an_address_is_stored_only_as_a_keyed_hash(client, review, settings):
    post_comment(client, review, address="198.51.100.77")

    comment = Comment.objects.get()
    stored = " ".join(str(value) for value in Comment.objects.values().get().values())
    assert "198.51.100.77" not in stored
    assert comment.ip_hash == address_hash("198.51.100.77")
    assert comment.ip_hash != hashlib.sha256(b"198.51.100.77").hexdigest()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert address_hash("198.51.100.77") != comment.ip_hash


def test_a_name_that_is_an_email_address_is_refused(client, review):
    response = post_comment(client, review, author_name="ruth@example.com")

    assert field_error(response, "author_name") == (
        "Give a name rather than an email address: the name is published."
    )
    assert not Comment.objects.exists()


PRIVATE_PREFIXES = ("/admin/", "/static/", "/media/")


def crawl(client, limit=300):
    """Every page reachable by links from the home page, breadth first: ``{path: response}``."""
    pages, queue = {}, deque(["/"])
    while queue and len(pages) < limit:
        path = queue.popleft()
        if path in pages:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response
        for node in parse(response).descendants():
            href = node.attrs.get("href")
            if not href:
                continue
            url = urlsplit(urljoin(path, href))
            if url.scheme or url.netloc or url.path.startswith(PRIVATE_PREFIXES):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if link not in pages:
                queue.append(link)
    return pages


VISITORS_NETWORK = "198.51.100."


def comment_on_every_review(reviews, moderator, editor):
    """Approved, pending, rejected, spam and staff comments on each review, each with its own
    email and address, sent through the form by one writer; returns the writer's browser."""
    writer = Client()
    addresses = (f"{VISITORS_NETWORK}{n}" for n in itertools.count(1))
    editor.email = "editor.private@example.com"
    editor.save()

    def send(review, kind, **fields):
        post_comment(
            writer,
            review,
            address=next(addresses),
            author_email=f"{kind}.{review.pk}@example.com",
            body=f"{kind.capitalize()} comment {review.pk}.",
            **fields,
        )
        return Comment.objects.get(author_email=f"{kind}.{review.pk}@example.com")

    for review in reviews:
        top = send(review, "approved", author_url="https://approved.example.org/", notify="on")
        moderate(Comment.objects.filter(pk=top.pk), Comment.Status.APPROVED, moderator)
        reply = send(review, "reply", parent=top.pk)
        moderate(Comment.objects.filter(pk=reply.pk), Comment.Status.APPROVED, moderator)
        send(review, "pending")
        for status in (Comment.Status.REJECTED, Comment.Status.SPAM):
            held = send(review, status)
            moderate(Comment.objects.filter(pk=held.pk), status, moderator)
        send(review, "honeypot", nickname="bot")
        reply_as_staff(Comment(parent=top, body=f"Staff reply {review.pk}."), editor)
    return writer


def assert_nothing_private_on(pages):
    """No stored email, address or address hash, and no comment readers may not see."""
    emails = set(Comment.objects.exclude(author_email="").values_list("author_email", flat=True))
    hashes = set(Comment.objects.exclude(ip_hash="").values_list("ip_hash", flat=True))
    assert "editor.private@example.com" in emails
    assert hashes
    for path, response in pages.items():
        content = response.content.decode().lower()
        leaks = [secret for secret in emails | hashes if secret.lower() in content]
        assert leaks == [], f"{path} shows {leaks}"
        assert VISITORS_NETWORK not in content, f"{path} shows an address"
        for kind in ("rejected", "spam", "honeypot"):
            assert f"{kind} comment" not in content, f"{path} shows a {kind} comment"


def test_no_email_or_address_appears_on_any_public_page(make_film, make_review, moderator, editor):
    film = make_film(title="Never Let Me Go", slug="never-let-me-go")
    director = Person.objects.create(name="Mark Romanek", slug="mark-romanek")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    reviews = [make_review(film=film, headline=f"Review {n}") for n in range(2)]
    reviews.append(make_review(headline="Another film"))
    for review in reviews:
        review.tags.add("drama")
    writer = comment_on_every_review(reviews, moderator, editor)

    for reader in (Client(), writer):
        pages = crawl(reader)
        assert {review.get_absolute_url() for review in reviews} <= set(pages)
        for kind in ("/films/", "/people/", "/tags/"):
            assert any(path.startswith(kind) for path in pages), kind
        assert any("Reply comment" in response.text for response in pages.values())
        assert_nothing_private_on(pages)
    assert any("Pending comment" in response.text for response in crawl(writer).values())


def test_no_email_or_address_appears_on_any_public_page_of_the_seeded_site(moderator, editor):
    call_command("seed", stdout=io.StringIO())
    reviews = list(Review.objects.published())
    assert reviews
    writer = comment_on_every_review(reviews, moderator, editor)

    for reader in (Client(), writer):
        pages = crawl(reader)
        assert {review.get_absolute_url() for review in reviews} <= set(pages)
        for kind in ("/films/", "/people/", "/tags/"):
            assert any(path.startswith(kind) for path in pages), kind
        assert any("Reply comment" in response.text for response in pages.values())
        assert_nothing_private_on(pages)


# Bad input.

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


def test_a_post_without_the_csrf_token_is_refused(review):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(review.get_absolute_url())

    refused = post_comment(browser, review, body="Sent from another site.")
    token = form(page).find(name="csrfmiddlewaretoken").attrs["value"]
    accepted = post_comment(browser, review, body="Sent from the page.", csrfmiddlewaretoken=token)

    assert refused.status_code == 403
    assert "CSRF verification failed" in parse(refused).text
    assert accepted.status_code == 302
    assert list(Comment.objects.values_list("body", flat=True)) == ["Sent from the page."]


# Performance.


def test_listing_cards_show_approved_comment_counts_without_a_query_per_review(client, make_review):
    busy, quiet, single = (make_review(headline=name) for name in ("Busy", "Quiet", "Single"))
    add_comment(busy)
    add_comment(busy)
    add_comment(busy, status=Comment.Status.PENDING)
    add_comment(busy, status=Comment.Status.SPAM)
    add_comment(single)

    def cards(response):
        return {
            card.find(class_="card__headline").text: card.find(class_="card__meta").text
            for card in parse(response).find_all("article", "card")
        }

    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("reviews:home"))
    for _ in range(6):
        add_comment(make_review())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reviews:home"))

    assert cards(response) == {"Busy": "2 comments", "Quiet": "0 comments", "Single": "1 comment"}
    assert len(many) == len(few)


def test_update_comment_counts_stores_each_reviews_approved_comments(review, make_review):
    other = make_review()
    for status in Comment.Status.values:
        Comment.objects.create(review=review, body=f"A {status} comment.", status=status)
    Comment.objects.create(review=review, body="Another.", status=Comment.Status.APPROVED)

    update_comment_counts([review.pk, other.pk])

    assert (stored_count(review), stored_count(other)) == (2, 0)


def test_moderation_keeps_the_listing_count_up_to_date(
    client, review, moderator, django_capture_on_commit_callbacks
):
    post_comment(client, review, body="One.")
    post_comment(client, review, body="Two.")

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)
    approved = stored_count(review)
    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.filter(body="Two."), Comment.Status.SPAM, moderator)

    assert (approved, stored_count(review)) == (2, 1)


def test_the_review_page_query_count_does_not_grow_with_the_number_of_comments(
    client, review, django_assert_max_num_queries
):
    # The reader has a session with a pending comment in it, as anyone who has commented.
    post_comment(client, review, body="Mine, still pending.")
    add_comment(review, "The first approved comment.")

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(review.get_absolute_url())
        return len(queries), response

    few, _ = page_queries()
    for n in range(100):
        top = Comment.objects.create(review=review, body=f"Thread {n}.", status="approved")
        reply = Comment.objects.create(
            review=review, parent=top, body=f"Reply {n}.", status="approved"
        )
        Comment.objects.create(review=review, parent=reply, body=f"Deeper {n}.", status="approved")
    update_comment_counts([review.pk])
    many, response = page_queries()

    assert heading(response) == "301 responses"
    assert len(bodies_shown(response)) == 302
    assert many == few
    # The review with its film, credits, tags and the rest; the session; the comments.
    with django_assert_max_num_queries(9):
        client.get(review.get_absolute_url())
