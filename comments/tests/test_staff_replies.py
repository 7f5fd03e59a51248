"""Staff replies from the admin: the reply form, the reply published as a staff reply
signed with its writer's name as it is now (or a chosen name), the replies refused (too deep,
to a comment not yet approved), and stored replies brought in line with that signing."""

import importlib
import io
import re

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment
from comments.tests.helpers import QUEUE, comment_on, shown_messages, stored_count

ADD = reverse("admin:comments_comment_add")


def reply_url(parent):
    return f"{ADD}?parent={parent.pk}"


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


# Signed with a person's name


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
