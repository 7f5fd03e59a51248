"""A moderator's round: the desk's count, approving and answering a comment from the queue,
and marking another as spam; what readers see after each decision."""

import pytest
from playwright.sync_api import expect

from .conftest import MODERATOR, REVIEW, post_comment, sign_in

pytestmark = pytest.mark.browser

GOOD = "Carey Mulligan carries the whole film in her face."
JUNK = "Great post!!! Visit my page for cheap watches and more."


def decide(page, comment_text, action):
    """Selects the comment's row in the queue and runs the action on it."""
    row = page.locator("#result_list tbody tr").filter(has_text=comment_text)
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label=action)
    page.get_by_role("button", name="Go").click()


def test_moderator_approves_and_answers_a_comment_and_marks_another_as_spam(page, new_page):
    reader = new_page()
    reader.goto(REVIEW)
    post_comment(reader, GOOD, name="Ada Reader", email="ada@example.com")
    spammer = new_page()
    spammer.goto(REVIEW)
    post_comment(spammer, JUNK, name="Watch Deals", email="deals@example.net")

    sign_in(page, MODERATOR)
    waiting = page.get_by_role("link", name="2 comments waiting for moderation")
    expect(waiting).to_be_visible()
    waiting.click()
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text=GOOD)).to_contain_text("Pending")
    expect(rows.filter(has_text=JUNK)).to_contain_text("Pending")

    decide(page, GOOD, "Approve (or restore from spam)")
    expect(page.locator(".messagelist")).to_contain_text("Approved 1 comment.")
    decide(page, JUNK, "Mark as spam")
    expect(page.locator(".messagelist")).to_contain_text("Marked 1 comment as spam.")

    page.goto("/admin/comments/comment/")
    page.locator("#result_list tbody tr").filter(has_text=GOOD).get_by_role(
        "link", name="Reply", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Reply to Ada Reader")).to_be_visible()
    page.get_by_label("Your reply").fill("Thank you, Ada: we think so too.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Your reply to Ada Reader is published.")

    page.goto("/admin/")
    expect(page.get_by_role("link", name="No comments waiting for moderation")).to_be_visible()

    # The reader sees the comment published, with the answer under it.
    reader.reload()
    comment = reader.locator(".comment").filter(has_text=GOOD).first
    expect(comment).to_be_visible()
    expect(comment).not_to_have_class("comment--pending")
    reply = comment.locator(".comment-list--replies .comment")
    expect(reply).to_contain_text("Thank you, Ada: we think so too.")
    expect(reply.locator(".badge")).to_have_text("Staff")
    expect(reader.get_by_role("heading", name="6 responses")).to_be_visible()

    # Spam appears nowhere: not to other readers, not even to the browser that sent it.
    for browser_page in (reader, spammer, new_page()):
        browser_page.goto(REVIEW)
        expect(browser_page.get_by_text("cheap watches")).to_have_count(0)


def test_the_moderation_queue_fits_a_1280_pixel_window_with_the_sidebars_open(page, new_page):
    reader = new_page()
    reader.goto(REVIEW)
    post_comment(
        reader,
        "An unbroken-run-of-characters-" * 6 + " and a long address below it.",
        name="Bartholomew Featherstonehaugh-Cholmondeley",
        email="bartholomew.featherstonehaugh-cholmondeley@correspondence.example.com",
    )

    sign_in(page, MODERATOR)  # the page is 1280 px wide
    page.goto("/admin/comments/comment/")
    expect(page.locator("#nav-sidebar")).to_be_visible()
    expect(page.locator("#changelist-filter")).to_be_visible()
    results = page.locator("#result_list").locator("xpath=..")
    widths = results.evaluate("node => [node.scrollWidth, node.clientWidth]")
    assert widths[0] <= widths[1], widths
    row = page.locator("#result_list tbody tr").filter(has_text="Bartholomew")
    expect(row.locator("td.field-reply_link")).to_be_in_viewport()


def test_a_moderator_clears_fifty_comments_from_the_keyboard(page):
    from comments.models import Comment
    from reviews.models import Review

    review = Review.objects.get(slug=REVIEW.strip("/").split("/")[-1])
    Comment.objects.filter(status=Comment.Status.PENDING).delete()
    for n in range(50):
        Comment.objects.create(
            review=review, author_name=f"Reader {n}", author_email=f"r{n}@example.com",
            body=f"Waiting comment number {n:02d}.", status=Comment.Status.PENDING,
        )  # fmt: skip
    sign_in(page, MODERATOR)
    page.goto("/admin/comments/comment/?status__exact=pending")
    current = page.locator("#result_list tbody tr.is-current")
    expect(current).to_have_count(1)

    page.keyboard.press("j")
    page.keyboard.press("k")  # back on the first row
    first = current.inner_text()
    with page.expect_navigation():
        page.keyboard.press("s")
    expect(page.locator(".messagelist")).to_contain_text("spam")
    assert current.inner_text() != first
    with page.expect_navigation():
        page.keyboard.press("r")
    for _ in range(48):
        with page.expect_navigation():
            page.keyboard.press("a")

    expect(page.locator(".messagelist")).to_contain_text("Approved 1 comment")
    counts = {s: Comment.objects.filter(status=s).count() for s in Comment.Status.values}
    assert counts[Comment.Status.PENDING] == 0
    assert counts[Comment.Status.SPAM] == 1 and counts[Comment.Status.REJECTED] == 1
    assert Comment.objects.filter(status=Comment.Status.APPROVED, review=review).count() >= 48
