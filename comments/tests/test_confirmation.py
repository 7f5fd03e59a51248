"""Confirmation by email (COMMENTS_CONFIRM_EMAIL): off, a comment goes where screening puts
it at once; on, a first-time commenter's comment waits, unseen by the moderators, until
they follow the link mailed to them, and then goes where screening put it; a confirmed
address is remembered; links nobody sent, or too old, are refused with a clear page; and
comments never confirmed are deleted by prune_comments."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import desk
from comments.confirmation import CONFIRM_SALT
from comments.models import Comment, ConfirmedAddress
from comments.tests.helpers import (
    INDEX,
    QUEUE,
    add_comment,
    bodies_shown,
    messages_shown,
    parse,
    post_comment,
    rows,
)
from core.models import Email

pytestmark = pytest.mark.usefixtures("empty_cache")


@pytest.fixture
def confirming(settings):
    settings.COMMENTS_CONFIRM_EMAIL = True
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]
    return settings


def confirmation_link(address="ruth@example.com"):
    """The path of the link in the latest confirmation email to this address."""
    email = Email.objects.filter(key__startswith="comment-confirm:", to=[address]).first()
    [link] = re.findall(r"https?://\S+/comments/confirm/\S+/", email.body)
    return urlsplit(link).path


def page_text(response):
    return " ".join(parse(response).find("main").text.split())


def press_confirm(browser, path):
    """Open the link and press its button, as the reader would (with the page's CSRF token)."""
    form = parse(browser.get(path)).find("form", class_="confirm-form")
    token = form.find("input", name="csrfmiddlewaretoken").attrs["value"]
    return browser.post(path, {"csrfmiddlewaretoken": token}, follow=True)


def test_without_the_setting_a_first_comment_goes_to_the_queue_at_once(client, review, settings):
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]

    response = post_comment(client, review, body="No confirming.", follow=True)

    assert Comment.objects.get().status == Comment.Status.PENDING
    assert "awaiting moderation" in messages_shown(response)
    assert [email.to for email in Email.objects.all()] == [["queue@example.com"]]


def test_a_first_comment_waits_for_its_writer_and_only_they_are_emailed(confirming, client, review):
    response = post_comment(client, review, body="Confirm me.", notify="on", follow=True)

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.UNCONFIRMED
    assert "Check your email to confirm your address" in messages_shown(response)
    assert "Confirm me." not in bodies_shown(response)
    [email] = Email.objects.all()
    assert email.to == ["ruth@example.com"]
    assert review.headline in email.subject
    assert "Confirm me." in email.body
    assert "3 days" in email.body
    assert "List-Unsubscribe" not in email.headers


def test_the_moderators_do_not_see_an_unconfirmed_comment_waiting(
    confirming, client, review, moderator_client
):
    post_comment(client, review, body="Confirm me.")

    assert desk.queue_by_reason() == []
    assert desk.reviews_with_comments_waiting() == []
    assert rows(moderator_client.get(QUEUE, {"status__exact": "pending"})) == []
    assert "No comments waiting for moderation" in moderator_client.get(INDEX).content.decode()


def test_opening_the_link_shows_the_comment_and_a_button_and_confirms_nothing(
    confirming, client, review
):
    post_comment(client, review, body="Confirm me.")

    response = Client().get(confirmation_link())

    assert response.status_code == 200
    assert "Confirm me." in page_text(response)
    assert parse(response).find("form", class_="confirm-form").find("button").text == (
        "Confirm my comment"
    )
    assert Comment.objects.get().status == Comment.Status.UNCONFIRMED
    assert not ConfirmedAddress.objects.exists()


def test_confirming_sends_the_comment_to_the_queue_and_tells_the_moderators(
    confirming, client, review
):
    post_comment(client, review, body="Confirm me.")

    response = press_confirm(Client(enforce_csrf_checks=True), confirmation_link())

    comment = Comment.objects.get()
    assert (comment.status, comment.held_reason) == (
        Comment.Status.PENDING,
        Comment.Reason.MODERATION,
    )
    assert "your address is confirmed" in messages_shown(response)
    assert "awaiting moderation" in messages_shown(response)
    assert bodies_shown(response) == ["Confirm me."]  # to its writer, in this browser
    assert Email.objects.get(key__startswith="comment-waiting:").to == ["queue@example.com"]


def test_a_comment_screening_would_publish_is_published_once_confirmed(
    confirming, client, review, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    confirming.COMMENTS_APPROVE_RETURNING = True
    add_comment(review, "Long ago.", author_email="ruth@example.com")
    post_comment(client, review, body="Publish me.", notify="on")
    assert Comment.objects.get(body="Publish me.").status == Comment.Status.UNCONFIRMED

    with django_capture_on_commit_callbacks(execute=True):
        response = press_confirm(Client(), confirmation_link())

    assert Comment.objects.get(body="Publish me.").status == Comment.Status.APPROVED
    assert "your comment is published" in messages_shown(response)
    assert "Publish me." in bodies_shown(Client().get(review.get_absolute_url()))
    published = [email for email in mailoutbox if "is published" in email.subject]
    assert [email.to for email in published] == [["ruth@example.com"]]


def test_a_confirmed_address_is_remembered_and_needs_no_link_again(confirming, client, review):
    post_comment(client, review, body="First.")
    press_confirm(Client(), confirmation_link())

    post_comment(client, review, body="Second.")

    assert Comment.objects.get(body="Second.").status == Comment.Status.PENDING
    assert Email.objects.filter(key__startswith="comment-confirm:").count() == 1
    assert not ConfirmedAddress.objects.filter(email_hash__contains="ruth").exists()


def test_confirming_sends_on_every_comment_of_that_address_waiting(confirming, client, review):
    post_comment(client, review, body="First.")
    post_comment(client, review, body="Second.")
    post_comment(client, review, body="Someone else's.", author_email="tom@example.com")

    press_confirm(Client(), confirmation_link())

    statuses = dict(Comment.objects.values_list("body", "status"))
    assert statuses == {
        "First.": Comment.Status.PENDING,
        "Second.": Comment.Status.PENDING,
        "Someone else's.": Comment.Status.UNCONFIRMED,
    }


def test_a_link_followed_twice_says_it_was_confirmed_already(confirming, client, review):
    post_comment(client, review, body="Confirm me.")
    path = confirmation_link()
    press_confirm(Client(), path)

    response = Client().get(path)

    assert response.status_code == 200
    assert "confirmed already" in page_text(response)


def test_spam_is_never_sent_a_confirmation_link(confirming, client, review):
    post_comment(client, review, body="Cheap casino bonus here.")

    assert Comment.objects.get().status == Comment.Status.SPAM
    assert not Email.objects.filter(key__startswith="comment-confirm:").exists()


# Links nobody sent, or too old.


def test_an_expired_link_is_refused_with_a_page_that_says_so(confirming, client, review):
    post_comment(client, review, body="Too late.")
    confirming.COMMENTS_CONFIRM_DAYS = 0

    response = Client().post(confirmation_link())

    assert response.status_code == 400
    assert "This confirmation link has expired" in page_text(response)
    assert Comment.objects.get().status == Comment.Status.UNCONFIRMED


@pytest.mark.parametrize(
    "make_token",
    [
        lambda pk: signing.dumps([pk, "0" * 64], salt="comments.unsubscribe"),
        lambda pk: signing.dumps([pk, "0" * 64], salt=CONFIRM_SALT, key="not-the-site-key"),
        lambda pk: signing.dumps({"pk": pk}, salt=CONFIRM_SALT),
        lambda pk: f"{pk}:forged",
    ],
)
def test_a_forged_link_is_refused_and_confirms_nothing(confirming, client, review, make_token):
    post_comment(client, review, body="Confirm me.")
    comment = Comment.objects.get()

    response = Client().post(reverse("comments:confirm", args=[make_token(comment.pk)]))

    assert response.status_code == 400
    assert "not one this site sent" in page_text(response)
    assert Comment.objects.get().status == Comment.Status.UNCONFIRMED


def test_a_link_signed_for_another_address_confirms_nothing(confirming, client, review):
    post_comment(client, review, body="Confirm me.")
    comment = Comment.objects.get()
    token = signing.dumps([comment.pk, "0" * 64], salt=CONFIRM_SALT)

    response = Client().post(reverse("comments:confirm", args=[token]))

    assert response.status_code == 404
    assert "no longer here" in page_text(response)
    assert Comment.objects.get().status == Comment.Status.UNCONFIRMED


# Pruning.


def test_pruning_deletes_comments_never_confirmed_once_their_links_expired(confirming, review):
    confirming.COMMENTS_CONFIRM_DAYS = 3

    def unconfirmed(days_ago):
        return add_comment(
            review,
            f"Unconfirmed {days_ago} days.",
            status=Comment.Status.UNCONFIRMED,
            submitted_at=timezone.now() - timedelta(days=days_ago),
        )

    recent, old = unconfirmed(2), unconfirmed(4)
    output = io.StringIO()

    call_command("prune_comments", stdout=output)

    assert list(Comment.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Deleted 1 comments never confirmed." in output.getvalue()
    assert old.pk not in Comment.objects.values_list("pk", flat=True)


def test_a_comment_sent_again_after_its_link_expired_is_taken_and_mailed_a_new_link(
    confirming, client, review
):
    post_comment(client, review, body="Second try.")
    Comment.objects.update(submitted_at=timezone.now() - timedelta(days=4))

    response = post_comment(client, review, body="Second try.", follow=True)

    assert "Check your email to confirm your address" in messages_shown(response)
    assert Comment.objects.filter(body="Second try.").count() == 2
    assert Email.objects.filter(key__startswith="comment-confirm:").count() == 2


def test_a_comment_sent_again_while_its_link_is_valid_is_a_duplicate(confirming, client, review):
    post_comment(client, review, body="Once.")

    response = post_comment(client, review, body="Once.")

    assert response.status_code == 400
    assert Comment.objects.count() == 1
