"""The moderators' queue in the admin: ordering, decisions, replies, counts and permissions."""

import importlib
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment, Discussion
from tests.page_tree import parse_html

QUEUE = reverse("admin:comments_comment_changelist")
ADD = reverse("admin:comments_comment_add")
INDEX = reverse("admin:index")


@pytest.fixture
def moderator_client(client, moderator):
    moderator.first_name, moderator.last_name, moderator.email = "Mo", "Derator", "mo@example.com"
    moderator.save()
    client.force_login(moderator)
    return client


@pytest.fixture
def review(make_review):
    return make_review(headline="A quiet triumph of the everyday")


def comment_on(review, body="A fine review.", minutes_ago=0, **fields):
    fields.setdefault("author_name", "Reader")
    fields.setdefault("author_email", "reader@example.com")
    fields.setdefault("status", Comment.Status.PENDING)
    fields.setdefault("submitted_at", timezone.now() - timedelta(minutes=minutes_ago))
    return Comment.objects.create(review=review, body=body, **fields)


def stored_count(review):
    """The review's number of approved comments as stored for the listings."""
    return Discussion.objects.get(review=review).approved_count


def store_count(review, count):
    Discussion.objects.filter(review=review).update(approved_count=count)


def rows(response):
    """The queue's rows in order, as the text of their comment column."""
    return [
        unescape(text)
        for text in re.findall(
            r'<th class="field-excerpt"><a [^>]*>(.*?)</a>', response.content.decode()
        )
    ]


def filter_choices(response, title):
    """The choices the queue's filter panel offers under one filter."""
    html = response.content.decode()
    section = re.search(rf'data-filter-title="{title}".*?</ul>', html, re.S)[0]
    return [unescape(text) for text in re.findall(r'<a href="[^"]*">(.*?)</a>', section)]


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


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


def reply_url(parent):
    return f"{ADD}?parent={parent.pk}"


# The queue


def test_queue_lists_pending_comments_first_then_newest_first(moderator_client, review):
    comment_on(review, "Old approved", minutes_ago=50, status=Comment.Status.APPROVED)
    comment_on(review, "Old pending", minutes_ago=40)
    comment_on(review, "New spam", minutes_ago=5, status=Comment.Status.SPAM)
    comment_on(review, "New pending", minutes_ago=10)
    comment_on(review, "Middling rejected", minutes_ago=20, status=Comment.Status.REJECTED)

    response = moderator_client.get(QUEUE)

    assert rows(response) == [
        "New pending",
        "Old pending",
        "New spam",
        "Middling rejected",
        "Old approved",
    ]


def test_queue_row_shows_excerpt_author_review_parent_context_and_why_held(
    moderator_client, review
):
    parent = comment_on(
        review, "The second act drags, but the ending earns it.", status=Comment.Status.APPROVED
    )
    reply = comment_on(
        review,
        "<b>Disagree</b> " + "entirely " * 30 + "THE END",
        parent=parent,
        author_name="Ada",
        author_email="ada@example.com",
        held_reason=Comment.Reason.LINKS,
    )

    response = moderator_client.get(QUEUE)

    row = re.search(rf'<tr>.*?value="{reply.pk}".*?</tr>', response.content.decode(), re.S)[0]
    assert "&lt;b&gt;Disagree&lt;/b&gt; entirely" in row
    assert "<b>" not in row and "THE END" not in row
    assert "Ada" in row and "ada@example.com" in row
    assert "A quiet triumph of the everyday" in row
    assert f'href="{reply.get_absolute_url()}"' in row
    assert "The second act drags, but the ending earns it." in row
    assert "Too many links" in row
    assert "Pending" in row


def test_top_level_comment_names_no_comment_it_answers(moderator_client, review):
    comment = comment_on(review, "First!")

    response = moderator_client.get(QUEUE)

    row = re.search(rf'<tr>.*?value="{comment.pk}".*?</tr>', response.content.decode(), re.S)[0]
    assert "Reply to" not in row


def test_the_queue_has_few_columns_each_several_facts_to_a_cell(moderator_client, review):
    parent = comment_on(review, "The ending earns it.", status=Comment.Status.APPROVED)
    comment_on(
        review,
        "Disagree.",
        parent=parent,
        author_name="Ada",
        author_email="ada@example.com",
        held_reason=Comment.Reason.LINKS,
    )

    table = parse_html(moderator_client.get(QUEUE).content.decode()).find(id="result_list")

    headers = [th.text.strip() for th in table.find("thead").find_all("th")]
    assert headers == ["", "Comment", "By", "On", "Status", "Reply"]
    row = table.find("tbody").find("tr")
    cells = {cell.attrs["class"].split()[0]: cell for cell in row.children if hasattr(cell, "tag")}
    assert cells["field-excerpt"].text == "Disagree."
    assert [part.text for part in cells["field-commenter"].find_all("small")] == ["ada@example.com"]
    assert cells["field-where"].find("small").text.startswith("Reply to Reader: “The ending")
    assert cells["field-state"].text.startswith("PendingToo many links")


def test_the_queue_wraps_its_cells_with_the_sites_stylesheet(moderator_client):
    page = parse_html(moderator_client.get(QUEUE).content.decode())

    sheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert any(href.endswith("css/moderation.css") for href in sheets)


def test_review_filter_lists_only_reviews_with_comments_waiting(
    moderator_client, review, make_review
):
    quiet = make_review(headline="A review nobody is waiting on")
    comment_on(quiet, "Already fine", status=Comment.Status.APPROVED)
    comment_on(review, "Waiting one")
    comment_on(review, "Waiting two")

    response = moderator_client.get(QUEUE)

    assert filter_choices(response, "review with comments waiting") == [
        "All",
        "A quiet triumph of the everyday (2)",
    ]
    filtered = moderator_client.get(QUEUE, {"review": review.pk})
    assert sorted(rows(filtered)) == ["Waiting one", "Waiting two"]
    emptied = moderator_client.get(QUEUE, {"review": quiet.pk})
    assert rows(emptied) == ["Already fine"]
    assert "A review nobody is waiting on" in filter_choices(
        emptied, "review with comments waiting"
    )


def test_search_finds_comments_by_the_commenters_email(moderator_client, review):
    comment_on(review, "From Ada", author_email="ada@example.com")
    comment_on(review, "From Bob", author_email="bob@example.com")

    response = moderator_client.get(QUEUE, {"q": "ada@example"})

    assert rows(response) == ["From Ada"]


def test_staff_reply_filter_lists_only_staff_replies(moderator_client, review):
    comment_on(review, "From a reader")
    comment_on(review, "From the desk", is_staff_reply=True, status=Comment.Status.APPROVED)

    response = moderator_client.get(QUEUE, {"is_staff_reply__exact": "1"})

    assert rows(response) == ["From the desk"]


def test_queue_queries_do_not_grow_with_comments(
    moderator_client, make_review, django_assert_max_num_queries
):
    reviews = [make_review() for _ in range(3)]
    parents = [
        comment_on(review, f"Parent {n}", status=Comment.Status.APPROVED)
        for n, review in enumerate(reviews)
    ]
    for n in range(57):
        comment_on(reviews[n % 3], f"Comment {n}", parent=parents[n % 3] if n % 2 else None)
    moderator_client.get(QUEUE)  # content types are cached after the first request

    # Session, user, two for permissions, the review filter, the count, the page.
    with django_assert_max_num_queries(7):
        response = moderator_client.get(QUEUE)

    assert len(rows(response)) == 50
    assertContains(response, "Parent 1")


# Decisions, in bulk and one at a time


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


# Replies from the admin


def test_reply_form_shows_the_comment_answered_and_asks_only_for_text_and_name(
    moderator_client, review
):
    parent = comment_on(
        review, "<script>alert(1)</script> Was the ending a dream?", status=Comment.Status.APPROVED
    )

    response = moderator_client.get(reply_url(parent))

    assert set(response.context["adminform"].form.fields) == {"body", "author_name"}
    assertContains(response, "Reply to Reader")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt; Was the ending a dream?")
    assertNotContains(response, "<script>alert(1)")
    assertNotContains(response, "Save and add another")


def test_reply_from_the_admin_is_published_as_a_staff_reply(
    moderator_client, moderator, review, mailoutbox, django_capture_on_commit_callbacks
):
    parent = comment_on(
        review,
        "Was the ending a dream?",
        status=Comment.Status.APPROVED,
        notify=True,
        author_email="curious@example.com",
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            reply_url(parent),
            {"body": "The director says it was not.", "author_name": ""},
            follow=True,
        )

    reply = Comment.objects.get(parent=parent)
    assert (reply.status, reply.is_staff_reply, reply.review) == (
        Comment.Status.APPROVED,
        True,
        review,
    )
    assert (reply.user, reply.moderated_by, reply.display_name) == (
        moderator,
        moderator,
        "Mo Derator",
    )
    assert any("Your reply to Reader is published" in m for m in shown_messages(response))
    assert stored_count(review) == 2
    assert [message.to for message in mailoutbox] == [["curious@example.com"]]

    moderator_client.logout()
    page = moderator_client.get(review.get_absolute_url())
    assertContains(page, "The director says it was not.")
    assertContains(page, '<span class="badge">Staff</span>', html=True)


def test_the_queue_shows_a_staff_reply_signed_with_its_writers_name(
    moderator_client, moderator, review
):
    parent = comment_on(review, "Who wrote this?", status=Comment.Status.APPROVED)
    moderator_client.post(reply_url(parent), {"body": "Our critic did.", "author_name": ""})
    reply = Comment.objects.get(parent=parent)
    moderator.first_name, moderator.last_name = "Morgan", "Reyes"
    moderator.save()

    response = moderator_client.get(QUEUE)

    row = re.search(rf'<tr>.*?value="{reply.pk}".*?</tr>', response.content.decode(), re.S)[0]
    assert "Morgan Reyes (staff)" in row
    assert ">moderator<" not in row


def test_reply_signed_with_a_chosen_name(moderator_client, review):
    parent = comment_on(review, "Who wrote this?", status=Comment.Status.APPROVED)

    moderator_client.post(reply_url(parent), {"body": "Our critic did.", "author_name": "The desk"})

    assert Comment.objects.get(parent=parent).author_name == "The desk"


def test_too_deep_reply_is_refused_with_a_message(moderator_client, review, settings):
    settings.COMMENTS_THREAD_DEPTH = 2
    top = comment_on(review, "Top", status=Comment.Status.APPROVED)
    deepest = comment_on(review, "Deepest", parent=top, status=Comment.Status.APPROVED)

    refused = moderator_client.post(reply_url(deepest), {"body": "Too deep"}, follow=True)

    assert not Comment.objects.filter(parent=deepest).exists()
    assert any("as deep as replies go" in m for m in shown_messages(refused))
    queue = moderator_client.get(QUEUE)
    assertContains(queue, f'href="{reply_url(top)}"')
    assertNotContains(queue, f'href="{reply_url(deepest)}"')


def test_reply_to_a_comment_not_yet_approved_is_refused(moderator_client, review):
    pending = comment_on(review, "Waiting")

    refused = moderator_client.get(reply_url(pending), follow=True)

    assert any("Approve this comment before replying" in m for m in shown_messages(refused))


def test_adding_without_a_comment_to_answer_explains_how_to_reply(moderator_client):
    response = moderator_client.get(ADD, follow=True)

    assert response.redirect_chain == [(QUEUE, 302)]
    assert any("use the Reply link" in m for m in shown_messages(response))


# The admin's front page


def test_front_page_shows_how_many_comments_wait(moderator_client, review):
    for n in range(3):
        comment_on(review, f"Waiting {n}")
    comment_on(review, "Done", status=Comment.Status.APPROVED)

    response = moderator_client.get(INDEX)

    assertContains(
        response,
        f'<a href="{QUEUE}?status__exact=pending">3 comments waiting for moderation</a>',
        html=True,
    )


def test_front_page_says_when_nothing_waits(moderator_client):
    response = moderator_client.get(INDEX)

    assertContains(response, "No comments waiting for moderation")


def test_front_page_shows_no_queue_to_editors(client, editor, review):
    comment_on(review, "Waiting")
    client.force_login(editor)

    response = client.get(INDEX)

    assertNotContains(response, "waiting for moderation")


# Who may do what


def test_moderator_reaches_the_comment_list(client, moderator, make_review):
    comment = Comment.objects.create(
        review=make_review(), author_name="Reader", body="I saw it twice.", status="pending"
    )
    client.force_login(moderator)

    response = client.get(reverse("admin:comments_comment_changelist"))

    comment_url = reverse("admin:comments_comment_change", args=[comment.pk])
    assertContains(response, f'<a href="{comment_url}">I saw it twice.</a>', html=True)


def test_moderators_group_has_only_the_comment_permissions(db):
    moderators = Group.objects.get(name="Moderators")

    assert set(moderators.permissions.values_list("content_type__app_label", "codename")) == {
        ("comments", "add_comment"),
        ("comments", "change_comment"),
        ("comments", "delete_comment"),
        ("comments", "view_comment"),
    }


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:reviews_review_changelist"),
        reverse("admin:reviews_review_add"),
        reverse("admin:reviews_film_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_group_changelist"),
    ],
)
def test_moderator_cannot_reach_reviews_films_or_users(moderator_client, url):
    response = moderator_client.get(url)

    assert response.status_code == 403
    assertContains(response, "403 Forbidden", status_code=403)


def test_moderator_cannot_change_a_user(moderator_client, editor):
    response = moderator_client.post(
        reverse("admin:auth_user_change", args=[editor.pk]),
        {"username": "editor", "is_superuser": "on", "is_staff": "on"},
    )

    assert response.status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser


def test_front_page_offers_moderators_only_comments(moderator_client):
    response = moderator_client.get(INDEX)

    apps = [app["app_label"] for app in response.context["app_list"]]
    assert apps == ["comments"]


def test_editor_cannot_reach_the_queue(client, editor, review):
    comment_on(review, "Waiting")
    client.force_login(editor)

    response = client.get(QUEUE)

    assert response.status_code == 403
    assertNotContains(response, "Waiting", status_code=403)


def test_stored_staff_replies_signed_with_the_account_name_follow_the_name_as_it_is(
    review, moderator
):
    migration = importlib.import_module(
        "comments.migrations.0004_staff_replies_signed_with_current_name"
    )
    parent = comment_on(review, "Who wrote this?", status=Comment.Status.APPROVED)
    signed_as_account = comment_on(
        review,
        "Our critic.",
        parent=parent,
        user=moderator,
        is_staff_reply=True,
        author_name="moderator",
        status=Comment.Status.APPROVED,
    )
    chosen = comment_on(
        review,
        "The desk.",
        parent=parent,
        user=moderator,
        is_staff_reply=True,
        author_name="The desk",
        status=Comment.Status.APPROVED,
    )
    moderator.first_name, moderator.last_name = "Morgan", "Reyes"
    moderator.save()

    migration.sign_with_current_name(django_apps, None)

    names = {c.pk: c.display_name for c in Comment.objects.select_related("user")}
    assert (names[signed_as_account.pk], names[chosen.pk]) == ("Morgan Reyes", "The desk")


def test_a_reply_from_the_demo_moderator_is_signed_with_a_persons_name(client, review):
    call_command("create_demo_accounts", stdout=io.StringIO())
    moderator = get_user_model().objects.get(username="moderator")
    client.force_login(moderator)
    parent = comment_on(review, "Who wrote this?", status=Comment.Status.APPROVED)

    client.post(reply_url(parent), {"body": "Our critic did.", "author_name": ""})

    assert Comment.objects.get(parent=parent).display_name == "Morgan Reyes"
