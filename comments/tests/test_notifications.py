"""The emails about comments: moderators told when one waits; commenters told when theirs
is published or answered, only if they asked, and once; links in the emails leading to the
right host; emails recorded in the outbox and sent after the request, never in it; and
comments and approvals that stand when the mail server fails."""

import math
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.services import moderate
from comments.tests.helpers import (
    QUEUE,
    add_comment,
    bodies_shown,
    comment_data,
    messages_shown,
    post_comment,
    shown_messages,
)
from core.models import Email
from tests.mail_servers import count_connections

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")

MAIL_SERVER_DOWN = "tests.mail_servers.RefusingBackend"


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
    connections = count_connections(monkeypatch)

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    assert sorted(email.to[0] for email in mailoutbox) == [
        f"reader{n}@example.com" for n in range(5)
    ]
    assert len(connections) == 1


def test_a_commenter_is_told_once_however_often_their_comment_is_approved(
    client, review, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    post_comment(client, review, author_email="asked@example.com", body="Tell me.", notify="on")

    for status in [Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.APPROVED]:
        with django_capture_on_commit_callbacks(execute=True):
            moderate(Comment.objects.all(), status, moderator)

    assert [email.to for email in mailoutbox] == [["asked@example.com"]]


def test_approvals_stand_and_the_email_waits_when_the_mail_server_cannot_be_reached(
    review, moderator, settings, django_capture_on_commit_callbacks, caplog
):
    add_comment(review, "Approve me.", notify=True, status=Comment.Status.PENDING)
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    assert bodies_shown(Client().get(review.get_absolute_url())) == ["Approve me."]
    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.Status.WAITING, 1)
    assert email.next_attempt_at > timezone.now()
    assert "Service not available" in email.last_error
    assert "The mail server did not take the email" in caplog.text


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
    client, review, moderator_with_email, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN

    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, review, body="Do not lose me.", follow=True)

    assert Comment.objects.get().body == "Do not lose me."
    assert "Your comment is awaiting moderation" in messages_shown(response)
    assert bodies_shown(response) == ["Do not lose me."]
    assert Email.objects.get().to == ["moderator@example.com"]


def test_a_comment_is_saved_even_when_its_emails_cannot_be_recorded(
    client, review, moderator_with_email, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def outbox_broken(emails):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(Email.objects, "record", outbox_broken)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, review, body="Do not lose me.", follow=True)

    assert bodies_shown(response) == ["Do not lose me."]
    assert "Could not record the emails about comment" in caplog.text


def test_an_approval_stands_even_when_the_notification_email_fails(
    client, review, moderator, settings, django_capture_on_commit_callbacks
):
    post_comment(client, review, body="Approve me.", notify="on")
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)

    assert bodies_shown(Client().get(review.get_absolute_url())) == ["Approve me."]


def test_nothing_is_sent_for_an_approval_that_rolls_back(
    client, review, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    post_comment(client, review, author_email="asked@example.com", body="Tell me.", notify="on")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)
        raise RuntimeError("the request failed after the approval")

    assert Comment.objects.get().status == Comment.Status.PENDING
    assert mailoutbox == []
    assert Email.objects.count() == 0


# Approving many at once.


def pending_comments(review, count):
    """``count`` pending comments whose writers asked to be told, half of them replies to
    an approved comment whose writer asked too."""
    parent = add_comment(review, "Answer me.", author_email="kathy@example.com", notify=True)
    Comment.objects.bulk_create(
        Comment(
            review=review,
            parent=parent if n % 2 else None,
            depth=1 if n % 2 else 0,
            author_name=f"Reader {n}",
            author_email=f"reader{n}@example.com",
            body=f"Comment {n}.",
            body_html=f"<p>Comment {n}.</p>",
            notify=True,
            status=Comment.Status.PENDING,
            submitted_at=timezone.now(),
        )
        for n in range(count)
    )


def approve_all(client):
    pending = Comment.objects.pending().values_list("pk", flat=True)
    return client.post(
        QUEUE,
        {"action": "approve", "_selected_action": list(pending), "index": "0"},
        follow=True,
    )


def test_approving_a_thousand_comments_makes_no_email_in_the_request_and_queues_one_task(
    moderator_client, review, task_queue, mailoutbox, django_capture_on_commit_callbacks
):
    pending_comments(review, 1000)

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(moderator_client)

    assert shown_messages(response) == ["Approved 1000 comments."]
    assert mailoutbox == []
    assert Email.objects.count() == 0
    assert [result.task.name for result in task_queue.waiting()] == ["tell_about_approved_comments"]
    # After the moderator's request has done its own writes (SQLite has one writer).
    assert task_queue.waiting()[0].task.run_after > timezone.now() + timedelta(seconds=3)

    with django_capture_on_commit_callbacks(execute=True):
        task_queue.run_next()

    assert Email.objects.waiting().count() == 1500
    assert [result.task.name for result in task_queue.waiting()] == ["deliver"]
    task_queue.run()

    assert len(mailoutbox) == 1500
    assert sorted({email.to[0] for email in mailoutbox})[:2] == [
        "kathy@example.com",
        "reader0@example.com",
    ]


def test_a_comment_rejected_before_its_approval_is_told_gets_no_email(
    moderator, review, task_queue, mailoutbox, django_capture_on_commit_callbacks
):
    pending_comments(review, 2)
    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.pending(), Comment.Status.APPROVED, moderator)
        moderate(
            Comment.objects.filter(author_email="reader0@example.com"),
            Comment.Status.REJECTED,
            moderator,
        )
    with django_capture_on_commit_callbacks(execute=True):
        task_queue.run_next()  # the emails the approval calls for, made now
    task_queue.run()

    assert [email.subject.split(" on ")[0] for email in mailoutbox] == [
        "Your comment",
        "A reply to your comment",
    ]
    assert {email.to[0] for email in mailoutbox} == {"reader1@example.com", "kathy@example.com"}


def queries_approving(client, review, count):
    """The SQL of approving ``count`` new pending comments in one admin action."""
    pending_comments(review, count)
    with CaptureQueriesContext(connection) as queries:
        approve_all(client)
    assert Comment.objects.pending().count() == 0
    return [query["sql"] for query in queries.captured_queries]


def most_inserts(rows, model):
    """How many INSERTs the database needs for so many rows: one, or on SQLite one per
    999 parameters (Django splits a bulk insert by the database's limit)."""
    limit = connection.features.max_query_params
    columns = len([field for field in model._meta.concrete_fields if not field.primary_key])
    return 1 if limit is None else math.ceil(rows / (limit // columns))


def test_approving_a_thousand_comments_costs_the_queries_of_approving_ten(
    moderator_client, review, task_queue
):
    queries_approving(moderator_client, review, 1)  # Django reads the content types once
    few = queries_approving(moderator_client, review, 10)
    many = queries_approving(moderator_client, review, 1000)

    def other_than_inserts(queries):
        return [sql.split()[0] for sql in queries if not sql.startswith("INSERT")]

    assert other_than_inserts(many) == other_than_inserts(few)
    inserts = [sql for sql in many if sql.startswith("INSERT")]
    assert len(inserts) <= most_inserts(1500, Email) + most_inserts(1000, LogEntry)
