"""The Nu HTML Checker on every kind of public page, as the server sends it."""

import pytest
from playwright.sync_api import expect

from .conftest import FILM, REVIEW, check_html, post_comment

pytestmark = pytest.mark.browser

PUBLIC_PAGES = {
    "home": "/",
    "review": REVIEW,
    "film": FILM,
    "films": "/films/",
    "tags": "/tags/",
    "tag": "/tags/dystopia/",
    "person": "/people/carey-mulligan/",
    "search": "/search/",
    "search-results": "/search/?q=Ishiguro",
    "search-no-results": "/search/?q=nothing+like+this",
    "not-found": "/no-such-page/",
}


def test_public_pages_are_valid_html(page, tmp_path):
    saved = []
    for name, path in PUBLIC_PAGES.items():
        response = page.request.get(path)
        assert response.status in {200, 404}, f"{path}: {response.status}"
        saved.append(tmp_path / f"{name}.html")
        saved[-1].write_bytes(response.body())

    # The review page as a commenter sees it: the comment form with its errors, then
    # their own comment awaiting moderation.
    page.goto(REVIEW)
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.locator("#respond").get_by_role("button", name="Post comment").click()
    saved.append(tmp_path / "comment-form-with-errors.html")
    saved[-1].write_bytes(sent.value.body())
    expect(page.locator(".field-error").first).to_be_visible()
    post_comment(page, "Andrew Garfield's Tommy & the tantrums in the field.")
    saved.append(tmp_path / "review-with-pending-comment.html")
    saved[-1].write_bytes(page.request.get(REVIEW).body())

    errors = check_html(saved)
    assert not errors, "\n".join(errors)
