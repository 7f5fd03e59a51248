"""A reader's visit: the home page, a review and its rating, a tag, a related film, search,
and a comment that waits for a moderator."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import REVIEW, post_comment

pytestmark = pytest.mark.browser


def test_reader_reads_a_review_and_follows_a_tag_a_related_film_and_search(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="Latest reviews", level=1)).to_be_visible()
    card = page.locator(".card").filter(has=page.get_by_role("img", name="3 out of 4 stars"))
    card.get_by_role("link", name="Never Let Me Go").last.click()

    expect(page).to_have_url(re.compile(REVIEW + "$"))
    expect(page.get_by_role("heading", name="Never Let Me Go", level=1)).to_be_visible()
    # The rating drawn as stars, said in words to screen readers, and written out below.
    rating = page.locator(".review__header").get_by_role("img", name="3 out of 4 stars")
    expect(rating).to_be_visible()
    expect(rating.locator(".star--full")).to_have_count(3)
    expect(rating.locator(".star--empty")).to_have_count(1)
    expect(rating.locator(".rating__words")).to_have_text("3 out of 4 stars")
    expect(page.get_by_text("Rating: 3 out of 4 stars")).to_be_visible()

    # The film, then one of its tags.
    page.locator(".kicker").get_by_role("link", name="Never Let Me Go").click()
    expect(page.get_by_role("heading", name="Never Let Me Go (2010)", level=1)).to_be_visible()
    page.get_by_role("list", name="Tags").get_by_role("link", name="dystopia").click()
    expect(page.get_by_role("heading", name="Tagged “dystopia”", level=1)).to_be_visible()
    films = page.get_by_role("region", name="Films")
    expect(films.get_by_role("link", name="Never Let Me Go")).to_be_visible()

    # Back on the review, a film to watch next.
    page.goto(REVIEW)
    related = page.get_by_role("region", name="If you liked Never Let Me Go, watch next")
    related.get_by_role("link", name="The Fountain").click()
    expect(page.get_by_role("heading", name="The Fountain (2006)", level=1)).to_be_visible()

    # Search from the header, on any page.
    page.get_by_role("searchbox", name="Search reviews").fill("Ishiguro")
    page.get_by_role("searchbox", name="Search reviews").press("Enter")
    expect(page.get_by_role("heading", name="Search", level=1)).to_be_visible()
    expect(page.locator(".result-count")).to_contain_text("found for “Ishiguro”")
    results = page.locator(".search-result")
    expect(results.first).to_be_visible()
    expect(results.get_by_role("link", name="Never Let Me Go").first).to_be_visible()


def test_readers_comment_waits_for_moderation_and_only_they_see_it(page, new_page):
    page.goto(REVIEW)
    post_comment(page, "The last scene at the fence stayed with me for days.")

    expect(page.get_by_text("Your comment is awaiting moderation.").first).to_be_visible()
    mine = page.locator(".comment--pending")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("The last scene at the fence stayed with me for days.")
    expect(mine).to_contain_text("Ada Reader")

    # Another reader, in a browser of their own, sees nothing of it.
    stranger = new_page()
    stranger.goto(REVIEW)
    expect(stranger.get_by_role("heading", name="4 responses")).to_be_visible()
    expect(stranger.get_by_text("The last scene at the fence")).to_have_count(0)
    expect(stranger.get_by_text("awaiting moderation")).to_have_count(0)


@pytest.mark.parametrize(("value", "best"), [("72", 100), ("8", 10), ("4.5", 5)])
def test_no_rating_makes_a_page_wider_than_a_small_phone(new_page, value, best):
    """Ratings on any scale, on the home page's card, the review and its film's page, fit a
    320 px screen: stars only out of 4 or 5, the critic's figures otherwise."""
    from reviews.models import Film, Review

    film = Film.objects.create(title="A film rated wide", year=2011, slug="rated-wide")
    review = Review.objects.create(
        film=film,
        headline="Marked on a long scale",
        slug="marked-on-a-long-scale",
        body="A film rated on the critic's own scale.",
        status=Review.Status.PUBLISHED,
        rating_value=value,
        rating_best=best,
        rating_step="0.5" if "." in value else "1",
    )
    page = new_page(width=320, height=640)
    for path in ("/", review.get_absolute_url(), film.get_absolute_url()):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide with a rating of {value}/{best}"
    stars = page.locator(".star").count()
    assert stars == (best if best <= 5 else 0)


def test_a_reader_unfolds_and_folds_a_spoiler(page):
    from reviews.models import Review

    review = Review.objects.get(slug=REVIEW.strip("/").split("/")[-1])
    review.body += "\n\n::: spoiler The ending\nTommy's rage in the field, at last.\n:::\n"
    review.save()
    page.goto(REVIEW)
    secret = page.get_by_text("Tommy's rage in the field, at last.")
    expect(secret).to_be_hidden()

    page.get_by_text("Spoiler: The ending").click()
    expect(secret).to_be_visible()
    page.get_by_text("Spoiler: The ending").click()
    expect(secret).to_be_hidden()
