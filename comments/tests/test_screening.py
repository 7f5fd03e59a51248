"""The rules that screen a comment before readers see it: a moderator by default,
returning commenters when the setting allows, too many links, blocked words, the honeypot,
forms sent too fast, left open too long or forged, the rate limit per visitor (counted in the
shared cache) and exact duplicates."""

import time

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from comments.forms import TIMESTAMP_SALT, signed_timestamp
from comments.models import Comment
from comments.services import address_hash, moderate
from comments.tests.helpers import (
    add_comment,
    bodies_shown,
    comment_data,
    form_errors,
    heading,
    messages_shown,
    post_comment,
    section,
    stored_count,
    typed,
)

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


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


# Spam.


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


# The form's timestamp.


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


# The rate limit and duplicates.


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
        "core.dbcache.DatabaseCache",
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
