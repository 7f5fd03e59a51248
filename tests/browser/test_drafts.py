"""An editor edits a published review as a draft, previews it in a new tab, compares it
with the published text, publishes it, and restores the version before it; readers see the
published text at each step."""

import re

import pytest
from playwright.sync_api import expect

from reviews.models import Review

from .conftest import EDITOR, REVIEW, sign_in

pytestmark = pytest.mark.browser

ADDED = "On a second viewing, the ending lands harder than the premise."


def test_editor_drafts_previews_and_publishes_an_edit_of_a_live_review(page, new_page):
    review = Review.objects.get(slug=REVIEW.strip("/").rsplit("/", 1)[-1])
    live_body = review.body
    sign_in(page, EDITOR)
    change = f"/admin/reviews/review/{review.pk}/change/"
    page.goto(change)
    # Saved once as it is, so that its history holds the published text.
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.locator("#id_body").fill(f"{live_body}\n\n{ADDED}")
    page.get_by_role("button", name="Save draft").first.click()
    expect(page.locator(".messagelist")).to_contain_text("Draft saved")
    expect(page.get_by_role("status").filter(has_text="Editing the draft")).to_be_visible()
    expect(page.locator("#id_body")).to_have_value(f"{live_body}\n\n{ADDED}")

    reader = new_page()
    reader.goto(REVIEW)
    expect(reader.locator(".prose")).not_to_contain_text(ADDED)

    # Preview opens the page from the form, in a new tab, under the admin's CSP.
    blocked = []
    page.context.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview", exact=True).first.click()
    preview = opened.value
    preview.wait_for_load_state()
    expect(preview.get_by_role("status").filter(has_text="Preview")).to_be_visible()
    expect(preview.locator(".prose")).to_contain_text(ADDED)
    expect(preview.get_by_role("heading", name=review.headline, level=1)).to_be_visible()
    assert blocked == []
    preview.close()

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Preview draft").first.click()
    draft_preview = opened.value
    expect(draft_preview.get_by_role("status")).to_contain_text("of the draft saved by editor")
    expect(draft_preview.locator(".prose")).to_contain_text(ADDED)
    draft_preview.close()

    page.get_by_role("link", name="Compare with the published review").first.click()
    expect(page.locator(".draft-compare__diff").first).to_contain_text("second viewing")
    expect(page.locator(".draft-compare__diff ins").filter(has_text="second")).to_have_count(1)
    page.get_by_role("link", name="Back to the draft").click()

    page.get_by_role("button", name="Publish draft").first.click()
    expect(page.locator(".messagelist")).to_contain_text("The draft is published")
    expect(page.get_by_text("Editing the draft")).to_have_count(0)

    reader.goto(REVIEW)
    expect(reader.locator(".prose")).to_contain_text(ADDED)

    # The version before the draft comes back from the history, as a new version.
    page.goto(f"/admin/reviews/review/{review.pk}/history/")
    page.locator("#change-history tbody tr").nth(1).locator("a").first.click()
    expect(page.locator("#id_body")).not_to_have_value(re.compile(re.escape(ADDED)))
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    reader.goto(REVIEW)
    expect(reader.locator(".prose")).not_to_contain_text(ADDED)
