"""A critic answers readers on their own reviews from the admin: they see the approved
comments on those reviews only, never a commenter's email, and their reply is published
marked as the author's and signed with their name as their critic record gives it."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment
from comments.tests.helpers import INDEX, QUEUE, comment_on, rows
from reviews.models import Critic
from tests.factories import create_staff_user

ADD = reverse("admin:comments_comment_add")


def reply_url(parent):
    return f"{ADD}?parent={parent.pk}"


@pytest.fixture
def critic_user(db):
    user = create_staff_user("pauline", "Critics")
    user.first_name, user.last_name = "Pauline", "Kael (account)"
    user.save()
    return user


@pytest.fixture
def critic(critic_user):
    return Critic.objects.create(name="Pauline Kael", slug="pauline-kael", user=critic_user)


@pytest.fixture
def critic_client(client, critic_user):
    client.force_login(critic_user)
    return client


@pytest.fixture
def own_review(make_review, critic):
    return make_review(headline="Her own review", critic=critic)


@pytest.fixture
def others_review(make_review):
    other = Critic.objects.create(name="Roger Ebert", slug="roger-ebert")
    return make_review(headline="Someone else's review", critic=other)


def test_a_critics_reply_is_marked_author_and_signed_with_their_critic_name(
    critic_client, own_review, django_capture_on_commit_callbacks
):
    parent = comment_on(own_review, "Was the ending a dream?", status=Comment.Status.APPROVED)

    form = critic_client.get(reply_url(parent))
    with django_capture_on_commit_callbacks(execute=True):
        response = critic_client.post(reply_url(parent), {"body": "It was not."})

    assert set(form.context["adminform"].form.fields) == {"body"}
    assertContains(form, "Signed “Pauline Kael”, and marked as the review's author's.")
    assert response.status_code == 302
    reply = Comment.objects.get(parent=parent)
    assert (reply.status, reply.is_review_author, reply.is_staff_reply) == (
        Comment.Status.APPROVED,
        True,
        True,
    )
    assert reply.display_name == "Pauline Kael"
    critic_client.logout()
    page = critic_client.get(own_review.get_absolute_url())
    assertContains(page, '<span class="badge">Author</span>', html=True)
    assertNotContains(page, '<span class="badge">Staff</span>', html=True)
    assertContains(page, "Pauline Kael")
    assertNotContains(page, "Kael (account)")


def test_a_critics_name_in_the_reply_form_is_text(critic, critic_client, own_review):
    critic.name = "<b>Pauline</b>"
    critic.save()
    parent = comment_on(own_review, "Question?", status=Comment.Status.APPROVED)

    form = critic_client.get(reply_url(parent))

    assertContains(form, "Signed “&lt;b&gt;Pauline&lt;/b&gt;”")


def test_a_renamed_critic_signs_their_earlier_replies_with_the_new_name(
    critic, critic_user, own_review, client, django_capture_on_commit_callbacks
):
    parent = comment_on(own_review, "Question?", status=Comment.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.create(
            review=own_review,
            parent=parent,
            body="Answer.",
            user=critic_user,
            is_staff_reply=True,
            is_review_author=True,
            status=Comment.Status.APPROVED,
        )
    assertContains(client.get(own_review.get_absolute_url()), "Pauline Kael")

    with django_capture_on_commit_callbacks(execute=True):
        critic.name = "Pauline K."
        critic.save()

    page = client.get(own_review.get_absolute_url())
    assertContains(page, "Pauline K.")
    assertNotContains(page, "Pauline Kael")


def test_a_moderators_reply_on_a_critics_review_is_a_staff_reply_not_the_authors(
    client, moderator, own_review
):
    parent = comment_on(own_review, "Question?", status=Comment.Status.APPROVED)
    client.force_login(moderator)

    client.post(reply_url(parent), {"body": "From the desk.", "author_name": ""})

    reply = Comment.objects.get(parent=parent)
    assert (reply.is_staff_reply, reply.is_review_author) == (True, False)


def test_a_critic_with_a_moderators_rights_is_still_the_author_on_their_own_review(
    client, critic_user, own_review
):
    critic_user.groups.add(*create_staff_user("mod", "Moderators").groups.all())
    parent = comment_on(own_review, "Question?", status=Comment.Status.APPROVED)
    client.force_login(critic_user)

    client.post(reply_url(parent), {"body": "Mine.", "author_name": ""})

    assert Comment.objects.get(parent=parent).is_review_author


def test_a_critic_cannot_reply_on_someone_elses_review(critic_client, others_review):
    parent = comment_on(others_review, "Question?", status=Comment.Status.APPROVED)

    response = critic_client.post(reply_url(parent), {"body": "Not my review."})

    assert response.status_code == 302 and response["Location"] == QUEUE
    assert not Comment.objects.filter(parent=parent).exists()


def test_a_critics_queue_shows_only_approved_comments_on_their_own_reviews(
    critic_client, own_review, others_review
):
    comment_on(own_review, "Approved on hers", status=Comment.Status.APPROVED)
    comment_on(own_review, "Pending on hers")
    comment_on(own_review, "Spam on hers", status=Comment.Status.SPAM)
    comment_on(others_review, "Approved on his", status=Comment.Status.APPROVED)

    response = critic_client.get(QUEUE)

    assert rows(response) == ["Approved on hers"]
    assertNotContains(response, "reader@example.com")
    assert response.context["action_form"] is None or not response.context["cl"].actions


def test_a_critic_cannot_open_a_comment_on_someone_elses_review(critic_client, others_review):
    comment = comment_on(others_review, "His", status=Comment.Status.APPROVED)

    response = critic_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))

    assert response.status_code == 302 and response["Location"] == INDEX


def test_a_critic_sees_a_comment_on_their_review_without_the_commenters_email(
    critic_client, own_review
):
    comment = comment_on(own_review, "Hers", status=Comment.Status.APPROVED)

    response = critic_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))

    assert response.status_code == 200
    assertContains(response, "Hers")
    assertNotContains(response, "reader@example.com")


def test_a_critic_cannot_moderate_comments_even_on_their_own_review(critic_client, own_review):
    pending = comment_on(own_review, "Pending on hers")
    approved = comment_on(own_review, "Approved on hers", status=Comment.Status.APPROVED)

    critic_client.post(QUEUE, {"action": "reject", "_selected_action": [approved.pk]})
    critic_client.post(QUEUE, {"action": "approve", "_selected_action": [pending.pk]})

    pending.refresh_from_db()
    approved.refresh_from_db()
    assert (pending.status, approved.status) == (Comment.Status.PENDING, Comment.Status.APPROVED)


def test_the_admin_front_page_counts_waiting_comments_for_moderators_only(
    critic_client, own_review
):
    comment_on(own_review, "Pending on hers")

    assertNotContains(critic_client.get(INDEX), "waiting for moderation")
