"""Sending email through the outbox (core.models.Email): the request that decides an
email only records it; a task delivers it.

``send(emails)`` records unsaved ``Email`` rows in the caller's transaction and, once it
commits, queues one ``deliver`` task for every email the transaction recorded. A
transaction that rolls back records and sends nothing. ``deliver`` sends what is waiting
over one connection to the mail server per batch and marks each email sent as soon as it
is, so a task run twice never sends one twice. When the server refuses, the email waits
for a later attempt, after a doubling pause, and the task is queued again for then; after
``EMAIL_MOST_ATTEMPTS`` tries the email is marked failed and logged as an error, and the
outbox's admin sends it again on demand. Where tasks run at once (development, tests), a
refused email is recorded and not tried again by itself: ``deliver_due`` (or the admin's
"send again") tries it later.

An email is marked "being sent" (and committed) before it is handed to the mail server. A
worker killed meanwhile leaves it so; nobody can know whether it went out, so after
``CLAIM_SECONDS`` it is marked failed with that said, never sent again unasked.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .batches import Batch, PerTransaction
from .models import Email
from .retry import doubling_pause

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
FIRST_PAUSE_SECONDS = 10
LONGEST_PAUSE_SECONDS = 3600
# Longer than any send can last with EMAIL_TIMEOUT on each step of the conversation.
CLAIM_SECONDS = 600
WORKER_STOPPED = (
    "The worker stopped while sending this email: it may or may not have gone out. "
    "Send it again if the recipient did not get it."
)


def send(emails):
    """Record these unsaved emails in the outbox, in the open transaction, and have them
    delivered once it commits; an email whose key is recorded already is left as it is."""
    deliver_after_commit(Email.objects.record(emails))


def deliver_after_commit(ids):
    """Have these emails delivered, by one task for the whole transaction, once it commits."""
    if ids:
        batch = deliveries.current()
        batch.ids.update(ids)
        deliveries.run_after_commit(batch)


class DeliveryBatch(Batch):
    """The emails one transaction recorded, given to one task once it commits."""

    def __init__(self):
        super().__init__()
        self.ids = set()

    def perform(self):
        deliver.enqueue(sorted(self.ids))


deliveries = PerTransaction(DeliveryBatch)


@task()
def deliver(ids):
    """Send the emails with these ids that are due, and queue the task again for those the
    mail server refused, for when they are next due."""
    for start in range(0, len(ids), BATCH_SIZE):
        send_batch(claim(Email.objects.filter(pk__in=ids[start : start + BATCH_SIZE])))
    give_up_on_stale_claims(Email.objects.filter(pk__in=ids))
    retry_later(Email.objects.filter(pk__in=ids).waiting())


@task()
def deliver_due():
    """Send every email that is due, whoever recorded it: for a schedule, or to catch up
    after tasks that ran at once or were lost."""
    give_up_on_stale_claims(Email.objects.all())
    while claimed := claim(Email.objects.all()):
        send_batch(claimed)


def send_again(emails):
    """Put these failed (or waiting) emails back to be sent now, with their attempts counted
    from nought; returns how many. One a stopped worker left being sent counts as failed."""
    give_up_on_stale_claims(emails)
    ids = list(
        emails.filter(status__in=[Email.Status.FAILED, Email.Status.WAITING]).values_list(
            "pk", flat=True
        )
    )
    Email.objects.filter(pk__in=ids).update(
        status=Email.Status.WAITING, attempts=0, last_error="", next_attempt_at=timezone.now()
    )
    deliver_after_commit(ids)
    return len(ids)


def claim(emails):
    """Take up to a batch of these emails that are due, for this worker alone, and mark them
    being sent; returns them. A row another worker holds is skipped (on SQLite, the
    transaction takes the database's write lock, which serialises claims)."""
    now = timezone.now()
    with transaction.atomic():
        # Ignored on SQLite, where no other transaction writes meanwhile.
        taken = list(
            emails.due(now).order_by("pk").select_for_update(skip_locked=True)[:BATCH_SIZE]
        )
        Email.objects.filter(pk__in=[email.pk for email in taken]).update(
            status=Email.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    for email in taken:
        email.status, email.attempts, email.claimed_at = (
            Email.Status.SENDING,
            email.attempts + 1,
            now,
        )
    return taken


def send_batch(emails):
    """Send claimed emails over one connection, marking each sent or failed at once."""
    if not emails:
        return
    # The SMTP backend gives up on a silent server after EMAIL_TIMEOUT seconds.
    mail_server = get_connection(fail_silently=False)
    try:
        mail_server.open()
    except Exception as error:
        for email in emails:
            attempt_failed(email, error)
        return
    try:
        for email in emails:
            try:
                mail_server.send_messages([message(email)])
            except Exception as error:
                attempt_failed(email, error)
            else:
                Email.objects.filter(pk=email.pk).update(
                    status=Email.Status.SENT, sent_at=timezone.now(), last_error=""
                )
    finally:
        try:
            mail_server.close()
        except Exception:
            logger.warning("Could not close the connection to the mail server", exc_info=True)


def message(email):
    return EmailMessage(
        email.subject, email.body, settings.DEFAULT_FROM_EMAIL, email.to, headers=email.headers
    )


def attempt_failed(email, error):
    """Note a refused attempt: the email waits for the next one, or has failed for good."""
    problem = f"{type(error).__name__}: {error}"
    if email.attempts >= settings.EMAIL_MOST_ATTEMPTS:
        Email.objects.filter(pk=email.pk).update(status=Email.Status.FAILED, last_error=problem)
        logger.error(
            "Gave up sending the email %s (%s) after %d attempts: %s",
            email.pk,
            email.key,
            email.attempts,
            problem,
        )
        return
    later = timezone.now() + timedelta(seconds=pause_after(email.attempts))
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.WAITING, last_error=problem, next_attempt_at=later
    )
    logger.warning(
        "The mail server did not take the email %s (%s), attempt %d: %s; trying again at %s",
        email.pk,
        email.key,
        email.attempts,
        problem,
        later.isoformat(timespec="seconds"),
    )


def pause_after(attempts):
    """Seconds to wait after this many refused attempts: doubling from FIRST_PAUSE_SECONDS."""
    return doubling_pause(attempts, FIRST_PAUSE_SECONDS, LONGEST_PAUSE_SECONDS)


def give_up_on_stale_claims(emails):
    """Mark failed the emails a worker took and never finished with: it was stopped."""
    stale = emails.filter(
        status=Email.Status.SENDING,
        claimed_at__lt=timezone.now() - timedelta(seconds=CLAIM_SECONDS),
    )
    for pk, key in stale.values_list("pk", "key"):
        logger.error("Gave up on the email %s (%s): %s", pk, key, WORKER_STOPPED)
    stale.update(status=Email.Status.FAILED, last_error=WORKER_STOPPED)


def retry_later(waiting):
    """Queue the delivery of these waiting emails again, for when the first is due; where
    tasks run at once, they wait for ``deliver_due`` instead of being tried in a loop."""
    rows = list(waiting.order_by("pk").values_list("pk", "next_attempt_at"))
    if not rows or not deliver.get_backend().supports_defer:
        return
    first_due = min(due for _, due in rows)
    deliver.using(run_after=max(first_due, timezone.now())).enqueue([pk for pk, _ in rows])
