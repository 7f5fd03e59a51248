"""A reader follows the links mailed to them: one to stop the emails about a thread, read
from the outbox as the email holds it, and one to confirm their address."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from comments import confirmation, subscriptions
from comments.models import Comment, Unsubscription
from comments.services import moderate
from core.models import Email

from .conftest import REVIEW, check_accessibility, check_html, post_comment

pytestmark = pytest.mark.browser


def link_in(email, label):
    """The path of the link that follows ``label`` in the email's text."""
    [link] = re.findall(rf"{re.escape(label)}\s*(https?://\S+)", email.body)
    return urlsplit(link).path


def test_a_reader_unsubscribes_from_a_thread_by_the_link_in_their_email(page, django_user_model):
    page.goto(REVIEW)
    page.locator("#respond form").get_by_label(
        "Email me when my comment is approved and when someone replies to it"
    ).check()
    post_comment(page, "Tell me when someone answers.", email="ada@example.com")
    moderator = django_user_model.objects.get(username="moderator")
    moderate(Comment.objects.filter(author_email="ada@example.com"), "approved", moderator)
    email = Email.objects.get(to=["ada@example.com"])

    page.goto(link_in(email, "No more emails about this thread:"))

    expect(page.get_by_role("heading", name="Unsubscribe", level=1)).to_be_visible()
    assert not Unsubscription.objects.exists()  # opening the link changed nothing
    page.get_by_role("button", name="Unsubscribe from this thread").click()

    expect(page.get_by_role("heading", name="You are unsubscribed", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "You will get no more emails about this thread."
    )
    [unsubscription] = Unsubscription.objects.all()
    assert unsubscription.thread.author_email == "ada@example.com"


def test_a_reader_confirms_their_address_and_their_comment_goes_to_the_moderators(page, settings):
    settings.COMMENTS_CONFIRM_EMAIL = True
    page.goto(REVIEW)
    post_comment(page, "A first comment, to confirm.", email="bea@example.com")

    expect(page.get_by_text("Check your email to confirm your address").first).to_be_visible()
    email = Email.objects.get(to=["bea@example.com"])
    page.goto(link_in(email, f"({settings.COMMENTS_CONFIRM_DAYS} days to do it):"))
    page.get_by_role("button", name="Confirm my comment").click()

    expect(page.get_by_text("your address is confirmed").first).to_be_visible()
    expect(page.locator(".comment--pending")).to_contain_text("A first comment, to confirm.")
    assert Comment.objects.get(author_email="bea@example.com").status == "pending"


def test_the_pages_mailed_links_open_are_valid_html_and_accessible(
    page, new_page, settings, tmp_path
):
    settings.COMMENTS_CONFIRM_EMAIL = True
    page.goto(REVIEW)
    post_comment(page, "A comment to confirm.", email="cy@example.com")
    comment = Comment.objects.get(author_email="cy@example.com")
    pages = {
        "unsubscribe-everything": subscriptions.unsubscribe_url("", "cy@example.com"),
        "unsubscribe-thread": subscriptions.unsubscribe_url("", "cy@example.com", comment.pk),
        "confirm": confirmation.confirm_url(comment, ""),
        "bad-link": "/comments/unsubscribe/forged/",
    }
    saved = []
    for name, path in pages.items():
        saved.append(tmp_path / f"{name}.html")
        saved[-1].write_bytes(page.request.get(path).body())
    response = page.request.post(
        pages["unsubscribe-thread"], form={"List-Unsubscribe": "One-Click"}
    )
    saved.append(tmp_path / "unsubscribed.html")
    saved[-1].write_bytes(response.body())

    errors = check_html(saved)
    assert not errors, "\n".join(errors)

    checked = new_page(bypass_csp=True)
    for name in ("unsubscribe-thread", "confirm", "bad-link"):
        checked.goto(pages[name])
        problems = check_accessibility(checked)
        assert not problems, f"{name}: " + "\n".join(problems)
