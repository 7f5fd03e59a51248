"""An editor's day: a new film with its director, a review written, illustrated, tagged,
rated, scheduled and then published; and an upload that is not an image."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from .conftest import EDITOR, sign_in

pytestmark = pytest.mark.browser

HEADLINE = "A genome is not a destiny"
BODY = """Niccol's debut imagines a near future sorted by blood tests.

## The world

Clean lines, concrete and low sun: the future as a well-run office.

## The performances

Ethan Hawke plays a man borrowing a life; Jude Law lends it with contempt and love.
"""


def image_file(name="gattaca-still.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 675), (40, 70, 110)).save(buffer, "PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def choose_in_autocomplete(page, field_id, text):
    """Picks an option in one of the admin's select2 autocomplete boxes by typing."""
    page.locator(f"#{field_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option").filter(has_text=text).first.click()


def add_film_with_director(page, title, year, director):
    page.goto("/admin/reviews/film/add/")
    # Typed key by key, as the slug is written from the title and year while typing.
    page.get_by_label("Title").press_sequentially(title)
    page.get_by_label("Year").press_sequentially(str(year))
    page.get_by_label("Tags").fill("science fiction, genetic engineering,")
    page.get_by_role("button", name="Add another Credit").click()
    # A new person, from the "+" beside the person box: the admin's popup window.
    with page.expect_popup() as popup_opened:
        page.locator("#add_id_credits-0-person").click()
    popup = popup_opened.value
    popup.get_by_label("Name").press_sequentially(director)
    popup.get_by_role("button", name="Save", exact=True).click()
    popup.wait_for_event("close")
    expect(page.locator("#id_credits-0-person")).to_contain_text(director)
    page.locator("#id_credits-0-role").select_option(label="Director")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text(f"{title} ({year})")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def fill_review(page, film, publish_at):
    """Fills the review form as an editor would; returns what each box should now hold."""
    choose_in_autocomplete(page, "id_film", film)
    page.get_by_label("Headline:").press_sequentially(HEADLINE)
    page.get_by_label("Status:").select_option(label="Scheduled")
    typed = {
        "#id_publish_at_0": publish_at.strftime("%Y-%m-%d"),
        "#id_publish_at_1": publish_at.strftime("%H:%M:%S"),
        "#id_byline": "Iris Editor",
        "#id_dek": "A thriller about the body as a credential.",
        "#id_body": BODY,
        "#id_hero_alt": "A man in a suit before a rocket launch",
        "#id_rating": "4.5/5",
        "#id_tags": "genetic engineering, identity,",
    }
    for selector, value in typed.items():
        page.locator(selector).fill(value)
    return {
        **typed,
        "#id_headline": HEADLINE,
        "#id_slug": "a-genome-is-not-a-destiny",
        "#id_status": "scheduled",
    }


def test_editor_adds_a_film_and_schedules_then_publishes_a_review(page, new_page):
    sign_in(page, EDITOR)
    add_film_with_director(page, "Gattaca", 1997, "Andrew Niccol")

    page.goto("/admin/reviews/review/add/")
    tomorrow = timezone.localtime() + timedelta(days=1)
    fill_review(page, "Gattaca", tomorrow)
    page.get_by_label("Hero image:", exact=True).set_input_files(image_file())
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text(f"“{HEADLINE}” was added successfully")
    row = page.locator("#result_list tbody tr").filter(has_text=HEADLINE)
    expect(row).to_contain_text("Scheduled for")
    expect(row).to_contain_text("4.5/5")

    # Scheduled: the editor can preview it; readers cannot see it yet.
    page.goto("/reviews/a-genome-is-not-a-destiny/")
    expect(page.get_by_role("status")).to_contain_text("this review is scheduled")
    reader = new_page()
    reader.goto("/")
    expect(reader.get_by_role("heading", name="Latest reviews")).to_be_visible()
    expect(reader.get_by_text(HEADLINE)).to_have_count(0)
    response = reader.goto("/reviews/a-genome-is-not-a-destiny/")
    assert response.status == 404

    # Published now, from the list of reviews.
    page.goto("/admin/reviews/review/")
    row = page.locator("#result_list tbody tr").filter(has_text=HEADLINE)
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Publish now")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 review.")

    reader.goto("/")
    card = reader.locator(".card").filter(has_text=HEADLINE)
    expect(card).to_be_visible()
    expect(card.get_by_role("img", name="4.5 out of 5 stars")).to_be_visible()
    expect(card.locator(".star--half")).to_have_count(1)
    card.get_by_role("link", name=HEADLINE).click()

    expect(reader.get_by_role("heading", name=HEADLINE, level=1)).to_be_visible()
    toc = reader.get_by_role("navigation", name="In this review")
    expect(toc.get_by_role("link")).to_have_text(["The world", "The performances"])
    expect(reader.get_by_role("heading", name="The performances", level=2)).to_be_visible()
    hero = reader.get_by_role("img", name="A man in a suit before a rocket launch")
    expect(hero).to_be_visible()
    assert hero.evaluate("img => img.complete && img.naturalWidth > 0"), "the hero did not load"
    header = reader.locator(".review__header")
    expect(header.get_by_role("img", name="4.5 out of 5 stars")).to_be_visible()
    expect(reader.get_by_role("list", name="Tags").get_by_role("link")).to_have_text(
        ["genetic engineering", "identity"]
    )

    reader.get_by_role("list", name="Tags").get_by_role("link", name="identity").click()
    expect(reader.get_by_role("heading", name="Tagged “identity”")).to_be_visible()
    expect(reader.get_by_role("link", name=HEADLINE)).to_be_visible()

    reader.goto("/films/gattaca-1997/")
    expect(reader.get_by_role("heading", name="Gattaca (1997)", level=1)).to_be_visible()
    expect(reader.get_by_role("link", name=HEADLINE)).to_be_visible()
    credits = reader.get_by_role("complementary", name="Credits")
    expect(credits.get_by_role("link", name="Andrew Niccol")).to_be_visible()

    feed = reader.request.get("/feeds/reviews/rss/")
    assert feed.ok
    assert f"<title>{HEADLINE} — Gattaca (1997)</title>" in feed.text()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_typed_is_lost(page):
    sign_in(page, EDITOR)
    page.goto("/admin/reviews/review/add/")
    typed = fill_review(page, "Moon", timezone.localtime() + timedelta(days=1))
    # Named and sent as a JPEG; the bytes are not a picture.
    not_an_image = {"name": "still.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.4 text"}
    page.get_by_label("Hero image:", exact=True).set_input_files(not_an_image)
    page.get_by_role("button", name="Save", exact=True).first.click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-hero_image .errorlist")).to_have_text(
        "This file is not an image: upload a JPEG, PNG, WebP or GIF picture."
    )
    expect(page.locator("#id_film + .select2")).to_contain_text("Moon (2009)")
    for selector, value in typed.items():
        expect(page.locator(selector)).to_have_value(value)

    # Only the file must be chosen again; then the review saves.
    page.get_by_label("Hero image:", exact=True).set_input_files(image_file())
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text(f"“{HEADLINE}” was added successfully")


def test_an_editor_reorders_related_films_with_buttons_rather_than_numbers(page):
    from reviews.models import Film

    film = Film.objects.get(slug="never-let-me-go-2010")
    before = [link.related.title for link in film.related_links.all()]
    sign_in(page, EDITOR)
    page.goto(f"/admin/reviews/film/{film.pk}/change/")
    rows = page.locator("#related_links-group tbody tr.form-row:not(.empty-form)")
    expect(rows).to_have_count(len(before))

    rows.nth(1).get_by_role("button", name="Move up").click()
    rows.nth(len(before) - 1).get_by_role("button", name="Move down").click()  # stays last
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    after = [link.related.title for link in film.related_links.all()]
    assert after == [before[1], before[0], *before[2:]]


def test_the_pull_quote_rows_fit_a_1280_pixel_window(page):
    sign_in(page, EDITOR)
    page.goto("/admin/reviews/review/")
    page.get_by_role("link", name="Never Let Me Go").first.click()
    group = page.locator("#pull_quotes-group")
    group.scroll_into_view_if_needed()
    page.get_by_role("button", name="Add another Pull quote").click()

    overflow = group.evaluate("g => g.scrollWidth - g.clientWidth")
    page_overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert (overflow, page_overflow) == (0, 0)
    new_position = page.locator(
        "#pull_quotes-group tbody tr.form-row:not(.empty-form) td.field-position input"
    )
    assert new_position.last.input_value() == str(new_position.count())
