"""The emails about comments: moderators told when one waits; commenters told when theirs
is published or answered, and only if they asked; links in the emails leading to the right
host; and comments and approvals that stand when the mail server fails."""

import smtplib

import pytest
from django.test import Client
from django.urls import reverse

from comments import notifications
from comments.models import Comment
from comments.services import moderate
from comments.tests.helpers import (
    add_comment,
    bodies_shown,
    comment_data,
    messages_shown,
    post_comment,
)

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


def mail_server_down(*args, **kwargs):
    raise smtplib.SMTPException("Connection refused")


# To moderators.


@pytest.fixture
def moderator_with_email(moderator):
    moderator.email = "moderator@example.com"
    moderator.save()
    return moderator


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


# To commenters.


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


# When the mail server fails.


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
