"""The site's outbox (core.mail, core.models.Email): an email is recorded in the transaction
that decides it and sent by a task, once, however often the task runs; a mail server that
refuses leaves it waiting for a later try; after the last try it is failed, shown to
superusers, who can send it again."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import mail
from core.models import Email
from tests.mail_servers import count_connections

REFUSING = "tests.mail_servers.RefusingBackend"
OUTBOX = reverse("admin:core_email_changelist")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``mail.send`` in a transaction that commits (the test's own never does)."""

    def send(emails):
        with django_capture_on_commit_callbacks(execute=True):
            mail.send(emails)

    return send


def an_email(key="welcome:1", to=("reader@example.com",), **fields):
    fields.setdefault("subject", "Welcome")
    fields.setdefault("body", "Glad to have you.")
    return Email(key=key, to=list(to), **fields)


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("chief", password="pw"))
    return client


def test_an_email_is_sent_once_its_transaction_commits(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        mail.send([an_email(headers={"List-Unsubscribe": "<https://example.com/stop>"})])
        assert mailoutbox == []

    [message] = mailoutbox
    assert message.to == ["reader@example.com"]
    assert (message.subject, message.body) == ("Welcome", "Glad to have you.")
    assert message.extra_headers["List-Unsubscribe"] == "<https://example.com/stop>"
    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.Status.SENT, 1)
    assert email.sent_at is not None


def test_an_email_is_delivered_once_even_if_the_delivery_runs_twice(
    db, task_queue, mailoutbox, committed
):
    committed([an_email()])
    [queued] = task_queue.waiting()

    task_queue.run_next()
    queued.task.call(*queued.args)
    mail.deliver_due.call()

    assert len(mailoutbox) == 1
    assert Email.objects.get().status == Email.Status.SENT


def test_an_email_recorded_again_is_not_sent_again(db, mailoutbox, committed):
    committed([an_email()])
    committed([an_email(), an_email(key="welcome:2", to=["other@example.com"])])

    assert [message.to for message in mailoutbox] == [
        ["reader@example.com"],
        ["other@example.com"],
    ]
    assert Email.objects.count() == 2


def test_nothing_is_recorded_or_sent_when_the_transaction_rolls_back(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mail.send([an_email()])
        raise RuntimeError("the change failed")

    assert Email.objects.count() == 0
    assert mailoutbox == []


def test_a_batch_is_sent_over_one_connection_to_the_mail_server(
    db, monkeypatch, mailoutbox, committed
):
    connections = count_connections(monkeypatch)

    committed([an_email(f"welcome:{n}", [f"reader{n}@example.com"]) for n in range(5)])

    assert sorted(message.to[0] for message in mailoutbox) == [
        f"reader{n}@example.com" for n in range(5)
    ]
    assert len(connections) == 1


# When the mail server refuses.


def test_a_refused_email_waits_with_its_error_and_is_queued_again_for_later(
    db, settings, task_queue, mailoutbox, caplog, committed
):
    settings.EMAIL_BACKEND = REFUSING
    committed([an_email()])
    before = timezone.now()

    with caplog.at_level(logging.WARNING, logger="core.mail"):
        task_queue.run_next()

    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.Status.WAITING, 1)
    assert "Service not available" in email.last_error
    assert email.next_attempt_at >= before + timedelta(seconds=mail.FIRST_PAUSE_SECONDS)
    retry = task_queue.waiting()[-1]
    assert retry.args == [[email.pk]]
    assert retry.task.run_after == email.next_attempt_at
    assert mailoutbox == []
    assert "The mail server did not take the email" in caplog.text


def test_the_pause_between_attempts_doubles_up_to_a_limit():
    pauses = [mail.pause_after(attempts) for attempts in range(1, 20)]

    assert pauses[:3] == [mail.FIRST_PAUSE_SECONDS * n for n in (1, 2, 4)]
    assert pauses == sorted(pauses)
    assert pauses[-1] == mail.LONGEST_PAUSE_SECONDS


def test_every_email_goes_out_once_the_mail_server_takes_them_again(
    db, settings, monkeypatch, task_queue, mailoutbox, committed
):
    monkeypatch.setattr(mail, "FIRST_PAUSE_SECONDS", 0)
    settings.EMAIL_BACKEND = REFUSING
    committed([an_email(f"welcome:{n}", [f"reader{n}@example.com"]) for n in range(3)])
    task_queue.run_next()
    task_queue.run_next()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    task_queue.run()

    assert len(mailoutbox) == 3
    assert set(Email.objects.values_list("status", "attempts")) == {(Email.Status.SENT, 3)}


def test_an_email_refused_by_every_attempt_is_marked_failed_and_logged(
    db, settings, monkeypatch, task_queue, caplog, committed
):
    monkeypatch.setattr(mail, "FIRST_PAUSE_SECONDS", 0)
    settings.EMAIL_BACKEND, settings.EMAIL_MOST_ATTEMPTS = REFUSING, 3
    committed([an_email()])

    with caplog.at_level(logging.ERROR, logger="core.mail"):
        task_queue.run()

    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.Status.FAILED, 3)
    assert "Service not available" in email.last_error
    assert "Gave up sending the email" in caplog.text
    assert task_queue.waiting() == []


def test_one_refused_recipient_does_not_hold_back_the_others(db, settings, mailoutbox, committed):
    settings.EMAIL_BACKEND = "tests.mail_servers.RefusingSomeBackend"

    committed([an_email("a", ["bounce@example.com"]), an_email("b", ["reader@example.com"])])

    assert [message.to for message in mailoutbox] == [["reader@example.com"]]
    statuses = dict(Email.objects.values_list("key", "status"))
    assert statuses == {"a": Email.Status.WAITING, "b": Email.Status.SENT}


def test_where_tasks_run_at_once_a_refused_email_is_tried_once_and_waits(db, settings, committed):
    settings.EMAIL_BACKEND = REFUSING

    committed([an_email()])

    email = Email.objects.get()
    assert (email.status, email.attempts) == (Email.Status.WAITING, 1)
    assert email.next_attempt_at > timezone.now()


def test_delivering_what_is_due_sends_the_emails_whose_next_attempt_has_come(
    db, settings, mailoutbox, committed
):
    settings.EMAIL_BACKEND = REFUSING
    committed([an_email("due"), an_email("later")])
    Email.objects.filter(key="due").update(next_attempt_at=timezone.now())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    mail.deliver_due.call()

    assert [message.to for message in mailoutbox] == [["reader@example.com"]]
    assert dict(Email.objects.values_list("key", "status")) == {
        "due": Email.Status.SENT,
        "later": Email.Status.WAITING,
    }


def test_an_email_a_stopped_worker_was_sending_is_failed_not_sent_twice(
    db, task_queue, mailoutbox, committed
):
    committed([an_email("stale"), an_email("fresh")])
    long_ago = timezone.now() - timedelta(seconds=mail.CLAIM_SECONDS + 1)
    Email.objects.filter(key="stale").update(status=Email.Status.SENDING, claimed_at=long_ago)
    Email.objects.filter(key="fresh").update(status=Email.Status.SENDING, claimed_at=timezone.now())

    task_queue.run()
    mail.deliver_due.call()

    assert mailoutbox == []
    stale, fresh = Email.objects.get(key="stale"), Email.objects.get(key="fresh")
    assert stale.status == Email.Status.FAILED
    assert "may or may not have gone out" in stale.last_error
    assert fresh.status == Email.Status.SENDING


# The outbox in the admin.


@pytest.fixture
def failed_email(db, settings, monkeypatch, task_queue, committed):
    monkeypatch.setattr(mail, "FIRST_PAUSE_SECONDS", 0)
    settings.EMAIL_BACKEND, settings.EMAIL_MOST_ATTEMPTS = REFUSING, 2
    committed([an_email(subject="Your comment is published")])
    task_queue.run()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return Email.objects.get()


def test_superusers_see_failed_emails_with_their_recipients_attempts_and_error(
    superuser_client, failed_email
):
    response = superuser_client.get(OUTBOX, {"status__exact": "failed"})

    row = response.text
    assert "Your comment is published" in row
    assert "reader@example.com" in row
    assert "SMTPConnectError" in row
    assert response.context["cl"].result_count == 1


def test_moderators_do_not_see_the_outbox(client, moderator, failed_email):
    client.force_login(moderator)

    assert client.get(OUTBOX).status_code == 403
    assert OUTBOX not in client.get(reverse("admin:index")).text


def test_a_superuser_sends_a_failed_email_again(
    superuser_client, failed_email, task_queue, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            OUTBOX,
            {"action": "send_again", "_selected_action": [failed_email.pk]},
            follow=True,
        )
    task_queue.run()

    assert "1 email queued to be sent again." in response.text
    assert [message.to for message in mailoutbox] == [["reader@example.com"]]
    email = Email.objects.get()
    assert (email.status, email.attempts, email.last_error) == (Email.Status.SENT, 1, "")


def test_an_email_sent_already_is_not_sent_again_from_the_admin(
    superuser_client, mailoutbox, committed
):
    committed([an_email()])

    response = superuser_client.post(
        OUTBOX,
        {"action": "send_again", "_selected_action": [Email.objects.get().pk]},
        follow=True,
    )

    assert "1 was sent already or is being sent." in response.text
    assert len(mailoutbox) == 1


def test_an_email_a_stopped_worker_left_being_sent_can_be_sent_again(
    superuser_client, committed, mailoutbox, django_capture_on_commit_callbacks
):
    committed([an_email()])
    mailoutbox.clear()
    long_ago = timezone.now() - timedelta(seconds=mail.CLAIM_SECONDS + 1)
    Email.objects.update(status=Email.Status.SENDING, claimed_at=long_ago, sent_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            OUTBOX,
            {"action": "send_again", "_selected_action": [Email.objects.get().pk]},
            follow=True,
        )

    assert "1 email queued to be sent again." in response.text
    assert [message.to for message in mailoutbox] == [["reader@example.com"]]
