"""A reader who asks for their own comments: the link mailed to them (read from the
outbox), the page it opens, the download and the erasure, after which a reply someone
else wrote stays in its thread under the placeholder."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import REVIEW, check_accessibility, check_html

pytestmark = pytest.mark.browser

ADA = "ada@example.com"


@pytest.fixture
def adas_comment(site):
    from comments.models import Comment
    from comments.services import update_comment_counts
    from reviews.models import Review

    review = Review.objects.get(slug=REVIEW.strip("/").split("/")[-1])
    mine = Comment.objects.create(
        review=review,
        body="The fence scene undid me.",
        author_name="Ada Reader",
        author_email=ADA,
        status=Comment.Status.APPROVED,
    )
    Comment.objects.create(
        review=review,
        parent=mine,
        body="Me too, Ada.",
        author_name="Sam",
        author_email="sam@example.com",
        status=Comment.Status.APPROVED,
    )
    Comment.objects.create(
        review=review, body="Waiting, still.", author_name="Ada Reader", author_email=ADA
    )
    update_comment_counts([review.pk])
    return mine


def link_mailed_to(address):
    from core.models import Email

    email = Email.objects.get(key__startswith="own-data-link:", to=[address])
    link = urlsplit(re.search(r"https?://\S+", email.body).group(0))
    return f"{link.path}?{link.query}"


def test_reader_asks_for_their_comments_downloads_and_erases_them(page, adas_comment):
    page.goto(REVIEW)
    page.get_by_role("link", name="See, download or erase your comments").click()
    expect(page.get_by_role("heading", name="Your comments", level=1)).to_be_visible()
    page.get_by_role("textbox", name="Your email address").fill(ADA)
    page.get_by_role("button", name="Email me the link").click()
    expect(page.get_by_role("status")).to_have_text(
        "If comments were sent from ada@example.com, a link to them is on its way. "
        "It works for a day."
    )

    opened = page.goto(link_mailed_to(ADA))
    assert opened.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in opened.headers["cache-control"]
    comments = page.locator(".own-data-comment")
    expect(comments).to_have_count(2)
    expect(comments.first).to_contain_text("The fence scene undid me.")
    expect(comments.first).to_contain_text("Published")
    expect(comments.last).to_contain_text("Awaiting moderation")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "my-comments-long-take.json"
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [c["text"] for c in data["comments"]] == ["The fence scene undid me.", "Waiting, still."]

    page.get_by_role("button", name="Erase my comments").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box to confirm")
    page.get_by_label("Yes, delete all my comments").check()
    page.get_by_role("button", name="Erase my comments").click()
    expect(page.get_by_role("status")).to_contain_text(
        "2 comments sent from ada@example.com are deleted"
    )

    page.goto(REVIEW)
    removed = page.locator(f"#comment-{adas_comment.pk}")
    expect(removed.locator(".comment__removed")).to_have_text("Comment removed by its author")
    expect(removed.get_by_text("Me too, Ada.")).to_be_visible()
    expect(page.get_by_text("The fence scene undid me.")).to_have_count(0)


def test_the_own_data_pages_are_valid_html_and_accessible(new_page, adas_comment, tmp_path):
    from comments import own_data

    page = new_page(bypass_csp=True)  # axe is injected as a script, which the CSP forbids
    saved, found = [], {}

    def check(name, response):
        saved.append(tmp_path / f"{name}.html")
        saved[-1].write_bytes(response.body())
        found[name] = check_accessibility(page)

    def sent(button):
        with page.expect_response(lambda r: r.request.method == "POST") as response:
            page.get_by_role("button", name=button).click()
        return response.value

    check("request", page.goto("/comments/yours/"))
    check("request-with-errors", sent("Email me the link"))
    page.get_by_role("textbox", name="Your email address").fill(ADA)
    check("link-sent", sent("Email me the link"))
    listing = f"/comments/yours/list/?token={own_data.link_token(ADA)}"
    check("refused-link", page.goto("/comments/yours/list/?token=forged"))
    check("listing", page.goto(listing))
    check("listing-with-errors", sent("Erase my comments"))
    page.get_by_label("Yes, delete all my comments").check()
    check("erased", sent("Erase my comments"))

    errors = check_html(saved)
    assert not errors, "\n".join(errors)
    problems = {name: violations for name, violations in found.items() if violations}
    assert not problems, problems
