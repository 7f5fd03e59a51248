"""A critic's round: signed in, they find the comments on their own review in the admin,
answer one, and readers see the answer marked as the author's, signed with their name."""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from reviews.models import Critic

from .conftest import REVIEW, make_staff, sign_in

pytestmark = pytest.mark.browser

CRITIC = ("critic", "critic-browser-pass")
CRITIC_PERMISSIONS = importlib.import_module(
    "comments.migrations.0009_critics_group"
).CRITIC_PERMISSIONS
QUESTION = "Hi Melissa! I saw this a few years back"


@pytest.fixture
def critic(site, django_user_model):
    """The seed's Melissa, with an account in the Critics group as its migration makes it."""
    group, _ = Group.objects.get_or_create(name="Critics")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="comments", codename__in=CRITIC_PERMISSIONS
        )
    )
    user = make_staff(django_user_model, CRITIC, group)
    Critic.objects.filter(slug="melissa").update(user=user)
    return user


def test_critic_replies_to_a_comment_on_her_own_review(page, new_page, critic):
    sign_in(page, CRITIC)
    page.goto("/admin/comments/comment/")
    rows = page.locator("#result_list tbody tr")
    row = rows.filter(has_text=QUESTION).first
    expect(row).to_be_visible()
    expect(rows.filter(has_text="Telluride")).to_have_count(0)  # another review's comments
    expect(page.locator("select[name=action]")).to_have_count(0)  # she does not moderate

    row.get_by_role("link", name="Reply", exact=True).click()
    expect(page.get_by_text("Signed “Melissa”")).to_be_visible()
    page.get_by_label("Your reply").fill("Thank you! The novel is worth it too.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("is published.")

    reader = new_page()
    reader.goto(REVIEW)
    answer = reader.locator(".comment").filter(has_text="The novel is worth it too.").last
    expect(answer.locator(".comment__author").first).to_have_text("Melissa")
    expect(answer.locator(".badge").first).to_have_text("Author")
    # The byline links to her page, which lists the review.
    reader.locator(".review__header .byline").get_by_role("link", name="Melissa").click()
    expect(reader.get_by_role("heading", name="Melissa", level=1)).to_be_visible()
    expect(reader.locator(".card__headline")).to_have_text(["Never Let Me Go"])
