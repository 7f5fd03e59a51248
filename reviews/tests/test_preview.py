"""The review form's Preview: the page as readers will see it, from what is typed."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from core import pagecache
from reviews import keys
from reviews.models import PullQuote, Review, ReviewDraft
from tests.factories import image_upload, management_form, review_form
from tests.inline_code import inline_code

PREVIEW_NEW = reverse("admin:reviews_review_preview")


def preview_url(review):
    return reverse("admin:reviews_review_preview_change", args=[review.pk])


def stored_state(review):
    """Everything previewing must leave as it was."""
    return {
        "review": Review.objects.filter(pk=review.pk).values().get(),
        "quotes": list(PullQuote.objects.filter(review=review).values()),
        "tags": sorted(review.tags.names()),
        "drafts": ReviewDraft.objects.count(),
        "log": LogEntry.objects.count(),
        "versions": pagecache.current_versions([keys.review(review.pk)]),
    }


def pull_quote_rows(*quotes):
    data = management_form("pull_quotes", total=len(quotes))
    for i, (text, position) in enumerate(quotes):
        data |= {f"pull_quotes-{i}-text": text, f"pull_quotes-{i}-position": str(position)}
    return data


@pytest.mark.django_db
def test_preview_shows_the_page_from_the_typed_values_under_a_banner(editor_client, make_film):
    film = make_film(title="Tokyo Story", year=1953)
    data = review_form(
        film,
        headline="Parents, children, a city",
        dek="Ozu's quietest heartbreak.",
        body="## The family\n\nThey visit.<script>alert(1)</script> **Nobody** has time.",
        rating="4.5/5",
        tags="family, Ozu,",
        **pull_quote_rows(("Second quote", 2), ("First quote", 1)),
    )
    response = editor_client.post(PREVIEW_NEW, data)
    assertContains(
        response, '<h1 class="review__headline">Parents, children, a city</h1>', html=True
    )
    assertContains(response, "Ozu&#x27;s quietest heartbreak.")
    assertContains(response, "<strong>Nobody</strong>", html=True)
    assertNotContains(response, "<script>alert")  # the site's sanitiser
    assertContains(response, "4.5 out of 5")
    assertContains(response, "<strong>Preview</strong>", html=True)
    html = response.content.decode()
    assert html.index("First quote") < html.index("Second quote")
    assert "/tags/family/" in html and "/tags/ozu/" in html
    assert inline_code(html).found == []
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_previewing_a_published_review_changes_nothing(editor_client, make_review, empty_cache):
    review = make_review(headline="As published", body="The published text.")
    review.tags.add("kept")
    PullQuote.objects.create(review=review, text="A live quote")
    before = stored_state(review)
    data = review_form(
        review.film,
        headline="As edited",
        slug=review.slug,
        status=Review.Status.PUBLISHED,
        publish_at_0=review.publish_at.strftime("%Y-%m-%d"),
        publish_at_1=review.publish_at.strftime("%H:%M:%S"),
        body="The edited text.",
        tags="changed,",
        **pull_quote_rows(("A new quote", 0)),
    )
    response = editor_client.post(preview_url(review), data)
    assertContains(response, "The edited text.")
    assertContains(response, "A new quote")
    assertNotContains(response, "A live quote")
    assert stored_state(review) == before
    public = editor_client.get(review.get_absolute_url())
    assertContains(public, "The published text.")
    assertNotContains(public, "The edited text.")


@pytest.mark.django_db
def test_invalid_form_shows_its_errors_in_the_preview(editor_client, make_film):
    data = review_form(make_film(), headline="", rating="11/10")
    response = editor_client.post(PREVIEW_NEW, data)
    assertContains(response, "The form has errors")
    assertContains(response, "Headline: This field is required.")
    assertContains(response, "Rating:")
    assertNotContains(response, "review__headline")


@pytest.mark.django_db
def test_only_those_who_may_change_reviews_preview(client, make_film, moderator):
    data = review_form(make_film())
    client.force_login(moderator)
    assert client.post(PREVIEW_NEW, data).status_code == 403
    client.logout()
    response = client.post(PREVIEW_NEW, data)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_review_form_has_a_preview_button_opening_a_new_tab(editor_client, make_review):
    review = make_review()
    response = editor_client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    assertContains(
        response,
        f'<button type="submit" class="button" formaction="{preview_url(review)}" '
        'formtarget="_blank" formnovalidate>Preview</button>',
        html=True,
        count=2,  # above and below the form
    )
    assert inline_code(response.content.decode()).found == []


@pytest.mark.django_db
def test_preview_shows_the_uploaded_image_not_one_chosen_but_unsaved(editor_client, make_film):
    film = make_film()
    editor_client.post(
        reverse("admin:reviews_review_add"),
        review_form(film, hero_image=image_upload(), hero_alt="The stored still"),
    )
    review = Review.objects.get()
    stored_name = review.hero_image.name
    data = review_form(
        film, slug=review.slug, hero_alt="The stored still", hero_caption="Typed caption"
    )
    page = editor_client.post(preview_url(review), data)
    assertContains(page, 'alt="The stored still"')
    assertContains(page, "Typed caption")
    assertNotContains(page, "shown once it is saved")

    data["hero_image"] = image_upload("another.png")
    page = editor_client.post(preview_url(review), data)
    assertContains(page, 'alt="The stored still"')
    assertContains(page, "The image chosen in the form is shown once it is saved.")
    assert Review.objects.get().hero_image.name == stored_name
