"""Moderators' decisions in the admin, in bulk from the queue and one comment at a time:
the status, who decided and when, the review's stored count, the comment's history, the
emails to commenters, deleting, editing the text, and the record shown read-only."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment, Discussion
from comments.tests.helpers import QUEUE, comment_on, rows, shown_messages, stored_count
from core.models import Email


def store_count(review, count):
    Discussion.objects.filter(review=review).update(approved_count=count)


def act(client, action, *comments):
    return client.post(
        QUEUE,
        {"action": action, "_selected_action": [c.pk for c in comments], "index": "0"},
        follow=True,
    )


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def change_form(comment, **fields):
    data = {
        "body": comment.body,
        "author_name": comment.author_name,
        "author_email": comment.author_email,
        "author_url": comment.author_url,
        "status": comment.status,
    }
    data.update(fields)
    return data


# Decisions in bulk


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("approve", Comment.Status.APPROVED, "Approved 2 comments."),
        ("reject", Comment.Status.REJECTED, "Rejected 2 comments."),
        ("mark_spam", Comment.Status.SPAM, "Marked 2 comments as spam."),
    ],
)
def test_bulk_decision_sets_status_records_moderator_recounts_and_reports(
    moderator_client, moderator, review, action, status, message, django_capture_on_commit_callbacks
):
    first, second = comment_on(review, "One"), comment_on(review, "Two")
    comment_on(review, "Already out", status=Comment.Status.APPROVED)
    store_count(review, 1)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = act(moderator_client, action, first, second)

    assert message in shown_messages(response)
    for comment in (first, second):
        comment.refresh_from_db()
        assert comment.status == status
        assert comment.moderated_by == moderator
        assert before <= comment.moderated_at <= timezone.now()
    approved_now = 3 if status == Comment.Status.APPROVED else 1
    assert stored_count(review) == approved_now


def test_a_thousand_comments_on_many_reviews_are_approved_in_one_action_in_few_queries(
    moderator_client, make_review, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    reviews = [make_review() for _ in range(40)]
    Comment.objects.bulk_create(
        Comment(
            review=reviews[n % 40],
            author_name="Reader",
            body=f"Comment {n}",
            body_html=f"<p>Comment {n}</p>",
            status=Comment.Status.PENDING,
            submitted_at=timezone.now(),
        )
        for n in range(1000)
    )
    shown_all = moderator_client.get(QUEUE, {"status__exact": "pending", "all": ""})
    assert len(rows(shown_all)) == 1000

    # The action and the queue shown after it; not two queries per review. (The recount
    # and the cache's writes run once it commits.)
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(35):
        response = act(moderator_client, "approve", *Comment.objects.all())

    assert "Approved 1000 comments." in shown_messages(response)
    assert not Comment.objects.pending().exists()
    assert set(Discussion.objects.values_list("approved_count", flat=True)) == {25}


def test_approving_replies_in_bulk_tells_each_commenter_without_a_query_per_comment(
    moderator_client, make_review, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    reviews = [make_review(headline=f"Review {n}") for n in range(10)]
    parents = [
        comment_on(
            review,
            "First",
            author_email=f"first{n}@example.com",
            notify=True,
            status=Comment.Status.APPROVED,
        )
        for n, review in enumerate(reviews)
    ]
    replies = [
        comment_on(
            parent.review,
            f"Reply {n}",
            parent=parent,
            author_email=f"reply{n}@example.com",
            notify=True,
            status=Comment.Status.PENDING,
        )
        for n, parent in enumerate(parents * 5)
    ]

    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(30):
        act(moderator_client, "approve", *replies)

    emails = Email.objects.order_by("key")
    published = [e for e in emails if e.key.startswith("comment-published:")]
    told_of_a_reply = [e for e in emails if e.key.startswith("reply:")]
    assert len(published) == len(told_of_a_reply) == 50
    assert {e.subject for e in published} == {
        f"Your comment on “Review {n}” is published" for n in range(10)
    }
    assert {e.to[0] for e in told_of_a_reply} == {f"first{n}@example.com" for n in range(10)}
    assert {reply.body for reply in replies} <= {e.body.split("\n\n")[1] for e in told_of_a_reply}


def test_bulk_decision_reports_comments_already_in_that_state(moderator_client, review):
    pending = comment_on(review, "Waiting")
    approved = comment_on(review, "Out already", status=Comment.Status.APPROVED)

    response = act(moderator_client, "approve", pending, approved)

    assert shown_messages(response) == ["Approved 1 comment. 1 comment was already approved."]
    only_approved = act(moderator_client, "approve", approved)
    assert shown_messages(only_approved) == ["1 comment was already approved."]


def test_bulk_decision_is_in_the_comments_history(moderator_client, moderator, review):
    comment = comment_on(review, "Spammy")

    act(moderator_client, "mark_spam", comment)

    entry = LogEntry.objects.get(object_id=str(comment.pk))
    assert (entry.user, entry.get_change_message()) == (moderator, "Set status to spam.")


def test_approving_spam_restores_it_to_the_page(
    moderator_client, review, django_capture_on_commit_callbacks
):
    comment = comment_on(review, "Not spam after all", status=Comment.Status.SPAM)

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "approve", comment)

    comment.refresh_from_db()
    assert (comment.status, stored_count(review)) == (Comment.Status.APPROVED, 1)
    assertContains(moderator_client.get(review.get_absolute_url()), "Not spam after all")


def test_approving_emails_the_commenter_who_asked(
    moderator_client, review, mailoutbox, django_capture_on_commit_callbacks
):
    asked = comment_on(review, "Tell me", notify=True, author_email="asked@example.com")
    silent = comment_on(review, "Do not", notify=False, author_email="silent@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "approve", asked, silent)

    assert [message.to for message in mailoutbox] == [["asked@example.com"]]
    assert "is published" in mailoutbox[0].subject
    assert asked.get_absolute_url() in mailoutbox[0].body


def test_the_approval_email_links_to_the_host_the_moderator_used(
    moderator_client, review, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL_FROM_REQUESTS, settings.SITE_URL = True, "http://127.0.0.1:8000"
    asked = comment_on(review, "Tell me", notify=True, author_email="asked@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(
            QUEUE,
            {"action": "approve", "_selected_action": [asked.pk], "index": "0"},
            headers={"host": "localhost:8080"},
        )

    [email] = mailoutbox
    assert f"http://localhost:8080{asked.get_absolute_url()}" in email.body


@pytest.mark.parametrize("action", ["reject", "mark_spam"])
def test_nothing_is_mailed_to_commenters_before_approval(
    moderator_client, review, mailoutbox, django_capture_on_commit_callbacks, action
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_on(review, "Tell me", notify=True, author_email="asked@example.com")
        act(moderator_client, action, comment)

    assert mailoutbox == []


def test_delete_action_removes_comments_and_their_replies_and_recounts(
    moderator_client, review, django_capture_on_commit_callbacks
):
    doomed = comment_on(review, "Doomed", status=Comment.Status.APPROVED)
    comment_on(review, "Its reply", parent=doomed, status=Comment.Status.APPROVED)
    kept = comment_on(review, "Kept", status=Comment.Status.APPROVED)
    store_count(review, 3)

    confirm = moderator_client.post(
        QUEUE, {"action": "delete_selected", "_selected_action": [doomed.pk]}
    )
    assertContains(confirm, "<li>Comments: 2</li>", html=True)  # the reply goes too
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            QUEUE,
            {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"},
            follow=True,
        )

    assert "Successfully deleted 1 comment." in shown_messages(response)
    assert list(Comment.objects.all()) == [kept]
    assert stored_count(review) == 1


# One comment at a time


def test_deleting_one_comment_from_its_page_recounts_the_review(
    moderator_client, review, django_capture_on_commit_callbacks
):
    comment = comment_on(review, "Gone soon", status=Comment.Status.APPROVED)
    store_count(review, 1)

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(
            reverse("admin:comments_comment_delete", args=[comment.pk]), {"post": "yes"}
        )

    assert not Comment.objects.exists()
    assert stored_count(review) == 0


def test_changing_status_on_the_change_page_records_moderator_and_recounts(
    moderator_client, moderator, review, mailoutbox, django_capture_on_commit_callbacks
):
    comment = comment_on(review, "Approve me", notify=True)

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(change_url(comment), change_form(comment, status="approved"))

    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == (Comment.Status.APPROVED, moderator)
    assert comment.moderated_at is not None
    assert stored_count(review) == 1
    assert [message.to for message in mailoutbox] == [["reader@example.com"]]


def test_moderator_edits_the_text_and_the_page_shows_the_edit(moderator_client, review):
    comment = comment_on(
        review, "Call me on 555 0100, I live at 4 Elm Row.", status=Comment.Status.APPROVED
    )

    moderator_client.post(change_url(comment), change_form(comment, body="Call me, I live nearby."))

    comment.refresh_from_db()
    assert comment.body_html == "<p>Call me, I live nearby.</p>"
    assert comment.moderated_by is None  # an edit is not a decision
    page = moderator_client.get(review.get_absolute_url())
    assertContains(page, "Call me, I live nearby.")
    assertNotContains(page, "4 Elm Row")


def test_change_form_shows_the_record_read_only(moderator_client, moderator, review):
    parent = comment_on(review, "The comment answered", status=Comment.Status.APPROVED)
    comment = comment_on(
        review,
        "A reply",
        parent=parent,
        ip_hash="abc123",
        held_reason=Comment.Reason.TOO_FAST,
        status=Comment.Status.REJECTED,
        moderated_by=moderator,
        moderated_at=timezone.now(),
    )

    response = moderator_client.get(change_url(comment))

    form = response.context["adminform"].form
    assert set(form.fields) == {
        "body",
        "has_spoilers",
        "author_name",
        "author_email",
        "author_url",
        "status",
        "is_review_author",
    }
    for shown in ["A quiet triumph of the everyday", "The comment answered", "abc123"]:
        assertContains(response, shown)
    assertContains(response, "Sent inhumanly fast")
    assertContains(response, "Mo Derator")
    assertNotContains(response, reverse("admin:auth_user_change", args=[moderator.pk]))
