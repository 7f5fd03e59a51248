"""Who may do what: every cell of the table is tried for real, through HTTP.

In short (the README spells the columns out: view drafts, view pending comments, edit
reviews, moderate, change users, reply to comments, reply as author):

========= ====== =================== ==== ======== ===== ================ ======
actor     drafts pending comments    edit moderate users reply            author
========= ====== =================== ==== ======== ===== ================ ======
anonymous no     no                  no   no       no    no               no
commenter no     no (only their own) no   no       no    no               no
moderator no     yes                 no   yes      no    yes              no
editor    yes    no                  yes  no       no    no               no
critic    no     no                  no   no       no    no (own reviews) yes
superuser yes    yes                 yes  yes      yes   yes              no
========= ====== =================== ==== ======== ===== ================ ======

- A *commenter* is a reader's browser that has just posted a comment: it sees its own
  pending comment on the review page, and nobody else's.
- *View drafts*: see a draft review on the site (the admin's "View on site" preview).
- *View pending comments*: see someone else's comment awaiting moderation, on the review
  page or in the admin's moderation queue.
- *Edit reviews*: change a review in the admin.
- *Moderate*: approve a comment from the moderation queue.
- *Change users*: change an account in the admin.
- *Reply to comments*: publish a reply, from the admin, to an approved comment on a review
  by someone else (a critic replies only on their own reviews).
- *Reply as author*: publish a reply to an approved comment on one's own review, marked
  "Author" and signed with one's critic name. Only the review's critic does: anyone else's
  reply there is a staff reply.
- A *critic* is a staff account in the **Critics** group tied to a critic's record; the
  review tried is theirs for "reply as author", and someone else's for the other cells.

The same table is in the README, under "Who may do what".
"""

import time

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from reviews.models import Critic, Review
from tests.factories import create_staff_user, review_form

# The comment rate limit counts in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")

ACTIONS = ["view drafts", "view pending comments", "edit reviews", "moderate", "change users"]
ACTIONS += ["reply to comments", "reply as author"]
ALLOWED = {
    "anonymous": set(),
    "commenter": set(),
    "moderator": {"view pending comments", "moderate", "reply to comments"},
    "editor": {"view drafts", "edit reviews"},
    "critic": {"reply as author"},
    "superuser": set(ACTIONS) - {"reply as author"},
}
CELLS = [(actor, action) for actor in ALLOWED for action in ACTIONS]

SOMEONE_ELSES = "A comment by someone else, waiting for a moderator."
OWN = "My own comment, waiting for a moderator."
ADMIN_LOGIN = reverse("admin:login")
QUEUE = reverse("admin:comments_comment_changelist")


class World:
    """A published review with someone else's pending comment and an approved one, a draft,
    an account, and the critic's own review with an approved comment."""

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
        self.approved = Comment.objects.create(
            review=self.review, body="A question.", status=Comment.Status.APPROVED
        )
        self.critic_account = create_staff_user("critic", "Critics")
        critic = Critic.objects.create(name="Pauline Kael", slug="kael", user=self.critic_account)
        self.critics_review = make_review(headline="The critic's own review", critic=critic)
        self.on_critics_review = Comment.objects.create(
            review=self.critics_review, body="A question.", status=Comment.Status.APPROVED
        )


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
    # A critic's queue (their own reviews' comments) offers no decisions at all.
    offered_no_actions = response.status_code == 200 and 'value="approve"' not in response.text
    assert refused(response) or offered_no_actions
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


def reply(client, parent):
    """Reply to ``parent`` from the admin: the reply, or None when it was refused."""
    response = client.post(
        f"{reverse('admin:comments_comment_add')}?parent={parent.pk}",
        {"body": "A reply.", "author_name": ""},
    )
    made = Comment.objects.filter(parent=parent).first()
    if made is None:
        assert refused(response) or response["Location"] == QUEUE
    return made


def reply_to_comments(client, world):
    return reply(client, world.approved) is not None


def reply_as_author(client, world):
    made = reply(client, world.on_critics_review)
    return made is not None and made.is_review_author


TRY = {
    "view drafts": view_drafts,
    "view pending comments": view_pending_comments,
    "edit reviews": edit_reviews,
    "moderate": moderate,
    "change users": change_users,
    "reply to comments": reply_to_comments,
    "reply as author": reply_as_author,
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
        elif actor == "critic":
            client.force_login(world.critic_account)
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
