"""An editor's history of a live review: an edit compared with the version before it,
and that version restored, which readers then see."""

import re

import pytest
from playwright.sync_api import expect

from reviews.models import Review

from .conftest import EDITOR, REVIEW, sign_in

pytestmark = pytest.mark.browser

REWRITE = "A rewrite the editor will regret."


def policy_violations(page):
    """Messages the browser logs when the Content Security Policy refuses something."""
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def test_an_editor_compares_an_edit_and_restores_the_version_before_it(new_page, site):
    review = Review.objects.get(slug=REVIEW.split("/")[2])
    original_opening = review.body.split("\n\n")[0]
    page = new_page()
    refused = policy_violations(page)
    sign_in(page, EDITOR)

    # Two saves: the review as it was, then the rewrite.
    change = f"/admin/reviews/review/{review.pk}/change/"
    for body in (review.body, REWRITE):
        page.goto(change)
        page.get_by_label("Body").fill(body)
        page.get_by_role("button", name="Save", exact=True).first.click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    reader = new_page()
    reader.goto(REVIEW)
    expect(reader.locator("main")).to_contain_text(REWRITE)

    page.goto(change)
    page.get_by_role("link", name="History").click()
    expect(page.locator("#change-history")).to_contain_text("Changed Body.")
    page.get_by_role("button", name="compare").click()
    expect(page.locator("h1")).to_contain_text("Compare")
    expect(page.locator(".module del").first).to_be_visible()
    expect(page.locator(".module ins").first).to_be_visible()

    page.get_by_role("link", name="Revert to this version").first.click()
    expect(page.get_by_label("Body")).to_have_value(re.compile(re.escape(original_opening)))
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(f"/admin/reviews/review/{review.pk}/history/")
    expect(page.locator("#change-history tbody tr").first).to_contain_text(
        "Reverted to previous version"
    )

    reader.goto(REVIEW)
    expect(reader.locator("main")).to_contain_text(original_opening[:80])
    expect(reader.locator("main")).not_to_contain_text(REWRITE)
    assert refused == []
