"""Who may do what: every cell of the table is tried for real, through HTTP.

=========== ============ ===================== ============ ========== ============
actor       view drafts  view pending comments edit reviews moderate   change users
=========== ============ ===================== ============ ========== ============
anonymous   no           no                    no           no         no
commenter   no           no (only their own)   no           no         no
moderator   no           yes                   no           yes        no
editor      yes          no                    yes          no         no
superuser   yes          yes                   yes          yes        yes
=========== ============ ===================== ============ ========== ============

- A *commenter* is a reader's browser that has just posted a comment: it sees its own
  pending comment on the review page, and nobody else's.
- *View drafts*: see a draft review on the site (the admin's "View on site" preview).
- *View pending comments*: see someone else's comment awaiting moderation, on the review
  page or in the admin's moderation queue.
- *Edit reviews*: change a review in the admin.
- *Moderate*: approve a comment from the moderation queue.
- *Change users*: change an account in the admin.

The same table is in the README, under "Who may do what".
"""

import time

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from reviews.models import Review
from tests.factories import review_form

# The comment rate limit counts in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")

ACTIONS = ["view drafts", "view pending comments", "edit reviews", "moderate", "change users"]
ALLOWED = {
    "anonymous": set(),
    "commenter": set(),
    "moderator": {"view pending comments", "moderate"},
    "editor": {"view drafts", "edit reviews"},
    "superuser": set(ACTIONS),
}
CELLS = [(actor, action) for actor in ALLOWED for action in ACTIONS]

SOMEONE_ELSES = "A comment by someone else, waiting for a moderator."
OWN = "My own comment, waiting for a moderator."
ADMIN_LOGIN = reverse("admin:login")


class World:
    """A published review with someone else's pending comment, a draft, and an account."""

    def __init__(self, make_review, django_user_model):
        self.review = make_review(headline="A published review")
        self.draft = make_review(headline="A draft nobody should read", status=Review.Status.DRAFT)
        self.pending = Comment.objects.create(
            review=self.review,
            author_name="Someone",
            author_email="someone@example.com",
            body=SOMEONE_ELSES,
        )
        self.member = django_user_model.objects.create_user("member", first_name="Member")


def post_own_comment(client, review):
    """Post a comment through the form, as a reader's browser does."""
    response = client.post(
        reverse("comments:post", args=[review.pk]),
        {
            "author_name": "Ruth",
            "author_email": "ruth@example.com",
            "author_url": "",
            "body": OWN,
            "issued": signing.dumps(time.time() - 60, salt=TIMESTAMP_SALT),
            "parent": "",
            "nickname": "",
        },
    )
    assert response.status_code == 302


def refused(response):
    """A refusal: the sign-in page for someone not signed in to the admin, else 403."""
    if response.status_code == 302:
        return response["Location"].startswith(ADMIN_LOGIN)
    return response.status_code == 403


# Each action, tried: True when it was done, False when it was refused (and nothing changed).


def view_drafts(client, world):
    response = client.get(world.draft.get_absolute_url())
    if response.status_code == 404:
        return False
    assert response.status_code == 200
    assert world.draft.headline in response.text
    return True


def view_pending_comments(client, world):
    on_page = SOMEONE_ELSES in client.get(world.review.get_absolute_url()).text
    queue = client.get(reverse("admin:comments_comment_changelist"), {"status__exact": "pending"})
    assert queue.status_code == 200 or refused(queue)
    return on_page or (queue.status_code == 200 and SOMEONE_ELSES in queue.text)


def edit_reviews(client, world):
    review = world.review
    data = review_form(
        review.film, headline="Changed", slug=review.slug, status=Review.Status.PUBLISHED
    )
    response = client.post(reverse("admin:reviews_review_change", args=[review.pk]), data)
    review.refresh_from_db()
    if response.status_code == 302 and not refused(response):
        assert review.headline == "Changed"
        return True
    assert refused(response)
    assert review.headline == "A published review"
    return False


def moderate(client, world):
    response = client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "approve", "_selected_action": [world.pending.pk]},
    )
    world.pending.refresh_from_db()
    if world.pending.status == Comment.Status.APPROVED:
        return True
    assert refused(response)
    assert world.pending.status == Comment.Status.PENDING
    return False


def change_users(client, world):
    member = world.member
    data = {
        "username": member.username,
        "first_name": "Changed",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "12:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    response = client.post(reverse("admin:auth_user_change", args=[member.pk]), data)
    member.refresh_from_db()
    if response.status_code == 302 and not refused(response):
        assert member.first_name == "Changed"
        return True
    assert refused(response)
    assert member.first_name == "Member"
    return False


TRY = {
    "view drafts": view_drafts,
    "view pending comments": view_pending_comments,
    "edit reviews": edit_reviews,
    "moderate": moderate,
    "change users": change_users,
}


@pytest.fixture
def world(make_review, django_user_model):
    return World(make_review, django_user_model)


@pytest.fixture
def sign_in_as(client, world, editor, moderator, django_user_model):
    def sign_in(actor):
        if actor == "commenter":
            post_own_comment(client, world.review)
        elif actor == "editor":
            client.force_login(editor)
        elif actor == "moderator":
            client.force_login(moderator)
        elif actor == "superuser":
            client.force_login(django_user_model.objects.create_superuser("boss", password="pw"))
        return client

    return sign_in


@pytest.mark.parametrize(("actor", "action"), CELLS, ids=[f"{a}-{b}" for a, b in CELLS])
def test_each_actor_may_do_exactly_what_the_table_says(sign_in_as, world, actor, action):
    client = sign_in_as(actor)

    done = TRY[action](client, world)

    assert done == (action in ALLOWED[actor])


def test_a_commenter_sees_their_own_pending_comment_and_nobody_elses(sign_in_as, world):
    client = sign_in_as("commenter")

    page = client.get(world.review.get_absolute_url()).text

    assert OWN in page
    assert SOMEONE_ELSES not in page


def test_the_readme_shows_the_same_table():
    readme = (settings.BASE_DIR / "README.md").read_text()
    section = readme.split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| actor")
    ]
    table = {
        row[0]: {action for action, cell in zip(ACTIONS, row[1:], strict=True) if cell == "yes"}
        for row in rows
    }
    assert table == ALLOWED
