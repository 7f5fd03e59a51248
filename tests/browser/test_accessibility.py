"""axe-core on every kind of page readers and moderators use, and the comment form used
with the keyboard alone."""

import pytest
from playwright.sync_api import expect

from .conftest import FILM, MODERATOR, REVIEW, check_accessibility, post_comment, sign_in

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/",
    REVIEW,
    FILM,
    "/films/",
    "/tags/",
    "/tags/dystopia/",
    "/people/carey-mulligan/",
    "/search/?q=Ishiguro",
    "/search/?q=nothing+like+this",
    "/no-such-page/",
]


def axe_page(new_page, **options):
    # The test injects axe as a script, which the site's Content Security Policy forbids.
    return new_page(bypass_csp=True, **options)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_public_pages_have_no_serious_accessibility_violations(new_page, scheme):
    page = axe_page(new_page, color_scheme=scheme)
    found = {}
    for path in PUBLIC_PAGES:
        page.goto(path)
        found[path] = check_accessibility(page)

    # The review page again, its comment form sent empty and showing its errors.
    page.goto(REVIEW)
    page.locator("#respond").get_by_role("button", name="Post comment").click()
    expect(page.locator(".field-error").first).to_be_visible()
    found["the comment form with errors"] = check_accessibility(page)

    problems = {path: violations for path, violations in found.items() if violations}
    assert not problems, "\n".join(
        f"{path}:\n  " + "\n  ".join(violations) for path, violations in problems.items()
    )


def test_moderation_queue_has_no_serious_accessibility_violations(new_page):
    reader = new_page()
    reader.goto(REVIEW)
    post_comment(reader, "A quiet film that trusts its audience.")

    page = axe_page(new_page)
    sign_in(page, MODERATOR)
    assert check_accessibility(page) == [], "the desk"
    page.get_by_role("link", name="1 comment waiting for moderation").click()
    expect(page.locator("#result_list")).to_contain_text("A quiet film that trusts its audience.")
    violations = check_accessibility(page)
    assert not violations, "the moderation queue:\n" + "\n".join(violations)


def test_comment_form_can_be_filled_and_sent_with_the_keyboard_alone(page):
    page.goto(REVIEW)
    # From the top of the page, Tab until the comment box has the focus.
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_body":
            break
    else:
        pytest.fail("Tab never reached the comment box")

    page.keyboard.type("Watched it twice; the second time hurt more.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_author_name"
    page.keyboard.type("Kit Keyboard")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_author_email"
    page.keyboard.type("kit@example.com")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_author_url"
    # The honeypot, hidden from people, is skipped by the keyboard too.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_has_spoilers"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_notify"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Post comment"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    pending = page.locator(".comment--pending")
    expect(pending).to_contain_text("Watched it twice; the second time hurt more.")
    expect(pending).to_contain_text("Kit Keyboard")
