"""Who may do what in the admin: moderators reach the comments and nothing else, and
editors do not reach the moderators' queue."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment
from comments.tests.helpers import INDEX, QUEUE, comment_on


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
