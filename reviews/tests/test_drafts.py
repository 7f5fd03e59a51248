"""Drafts of published reviews: kept aside, previewed, published or discarded, while
readers, feeds, search and the page cache see only the published text."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from core import pagecache
from reviews import drafts, keys
from reviews.models import Critic, PullQuote, Review, ReviewDraft
from tests.factories import image_upload, management_form, review_form

LIVE_BODY = "The lighthouse keeper waits."
DRAFT_BODY = "The lighthouse keeper sings."


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as a committed transaction, with its after-commit work."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def live_review(make_review, committed):
    with committed():
        review = make_review(headline="Keeper of the light", slug="keeper", body=LIVE_BODY)
        review.tags.add("sea")
        PullQuote.objects.create(review=review, text="A live quote", position=0)
    return review


def change_url(review):
    return reverse("admin:reviews_review_change", args=[review.pk])


def edited_form(review, **fields):
    """The review's form as an editor sends it, with a new body and pull quote."""
    return review_form(
        review.film,
        headline=review.headline,
        slug=review.slug,
        status=review.status,
        publish_at_0=review.publish_at.strftime("%Y-%m-%d"),
        publish_at_1=review.publish_at.strftime("%H:%M:%S"),
        body=DRAFT_BODY,
        tags="sea, song,",
        **{
            **management_form("pull_quotes", total=1),
            "pull_quotes-0-text": "A drafted quote",
            "pull_quotes-0-position": "0",
            **management_form("further_reading", total=1),
            "further_reading-0-title": "An interview with the director",
            "further_reading-0-url": "https://example.com/interview",
            "further_reading-0-position": "0",
            **fields,
        },
    )


def what_readers_see(review):
    """The public page, the feed and the search results, as an anonymous reader gets them."""
    reader = Client()
    return {
        "page": reader.get(review.get_absolute_url()).text,
        "feed": reader.get(reverse("reviews:feed_atom")).text,
        "search": reader.get(reverse("reviews:search"), {"q": "sings"}).text,
    }


def test_save_draft_keeps_the_published_review_as_it_was(
    editor_client, live_review, committed, empty_cache
):
    what_readers_see(live_review)  # cached as readers first saw it
    versions = pagecache.current_versions([keys.review(live_review.pk)])
    with committed():
        response = editor_client.post(
            change_url(live_review), edited_form(live_review, _save_draft="Save draft")
        )
    assert response.status_code == 302 and response["Location"] == change_url(live_review)

    stored = Review.objects.get(pk=live_review.pk)
    assert stored.body == LIVE_BODY
    assert sorted(stored.tags.names()) == ["sea"]
    assert [q.text for q in stored.pull_quotes.all()] == ["A live quote"]
    draft = ReviewDraft.objects.get(review=live_review)
    assert draft.values["body"] == DRAFT_BODY
    assert draft.tags == ["sea", "song"]
    assert draft.pull_quotes == [{"text": "A drafted quote", "attribution": "", "position": 0}]
    assert draft.further_reading == [
        {
            "title": "An interview with the director",
            "url": "https://example.com/interview",
            "position": 0,
        }
    ]
    assert not stored.further_reading.exists()
    assert pagecache.current_versions([keys.review(live_review.pk)]) == versions

    seen = what_readers_see(live_review)
    assert LIVE_BODY in seen["page"] and DRAFT_BODY not in seen["page"]
    assert "A drafted quote" not in seen["page"]
    assert "Keeper of the light" not in seen["search"]


def test_the_form_continues_the_draft_and_says_so(editor_client, live_review, editor):
    drafts.save_draft(
        live_review,
        {
            "film": live_review.film,
            "headline": "Drafted headline",
            "slug": "keeper",
            "body": DRAFT_BODY,
            "rating": None,
            "tags": ["song"],
        },
        {"pull_quotes": [{"text": "A drafted quote", "attribution": "", "position": 0}]},
        editor,
    )
    response = editor_client.get(change_url(live_review))
    assertContains(response, "Editing the draft")
    assertContains(response, DRAFT_BODY)
    assertContains(response, 'value="Drafted headline"')
    assertContains(response, "A drafted quote")
    assertNotContains(response, "A live quote")
    for button in ("Publish draft", "Save draft", "Preview draft", "Discard draft"):
        assertContains(response, button)

    preview = editor_client.get(
        reverse("admin:reviews_review_draft_preview", args=[live_review.pk])
    )
    assertContains(preview, "Preview</strong> of the draft saved by editor")
    assertContains(preview, DRAFT_BODY)
    assertContains(preview, "A drafted quote")
    assert "no-store" in preview["Cache-Control"]


def test_publish_draft_makes_it_what_readers_see(
    editor_client, live_review, committed, empty_cache
):
    with committed():
        editor_client.post(
            change_url(live_review), edited_form(live_review, _save_draft="Save draft")
        )
    what_readers_see(live_review)
    # The form as the editor finds it: the draft's pull quote as a new row.
    with committed():
        response = editor_client.post(
            change_url(live_review), edited_form(live_review, _publish_draft="Publish draft")
        )
    assert response.status_code == 302 and response["Location"] == change_url(live_review)

    assert not ReviewDraft.objects.exists()
    stored = Review.objects.get(pk=live_review.pk)
    assert stored.body == DRAFT_BODY
    assert [q.text for q in stored.pull_quotes.all()] == ["A drafted quote"]
    assert sorted(stored.tags.names()) == ["sea", "song"]
    assert [link.title for link in stored.further_reading.all()] == [
        "An interview with the director"
    ]
    seen = what_readers_see(live_review)
    assert DRAFT_BODY in seen["page"] and LIVE_BODY not in seen["page"]
    assert "A drafted quote" in seen["page"] and "A live quote" not in seen["page"]
    assert "Keeper of the light" in seen["search"]


def test_publish_draft_service_applies_the_stored_draft(live_review, editor, committed):
    with committed():
        drafts.save_draft(
            live_review,
            {
                "film": live_review.film,
                "headline": "Drafted headline",
                "slug": "keeper",
                "body": DRAFT_BODY,
                "rating": None,
                "tags": ["song"],
                "mentioned_films": [],
            },
            {"pull_quotes": [{"text": "A drafted quote", "attribution": "", "position": 0}]},
            editor,
        )
    with committed():
        assert drafts.publish_draft(live_review) is True
    reader = Client()
    page = reader.get(live_review.get_absolute_url()).text
    assert "Drafted headline" in page and DRAFT_BODY in page and "A drafted quote" in page
    assert drafts.publish_draft(live_review) is False


def test_save_draft_refuses_a_new_image(editor_client, live_review):
    data = edited_form(live_review, _save_draft="Save draft", hero_image=image_upload())
    response = editor_client.post(change_url(live_review), data | {"hero_alt": "A lighthouse"})
    assertContains(response, "A draft keeps the published image")
    assert not ReviewDraft.objects.exists()


def test_discard_draft_returns_the_form_to_the_published_review(
    editor_client, live_review, committed
):
    with committed():
        editor_client.post(
            change_url(live_review), edited_form(live_review, _save_draft="Save draft")
        )
    response = editor_client.post(
        reverse("admin:reviews_review_draft_discard", args=[live_review.pk]), follow=True
    )
    assertContains(response, "The draft was discarded")
    assertNotContains(response, "Editing the draft")
    assertContains(response, LIVE_BODY)
    assert not ReviewDraft.objects.exists()
    assert Review.objects.get(pk=live_review.pk).body == LIVE_BODY


def test_a_draft_is_offered_only_for_a_published_review(editor_client, make_review):
    unpublished = make_review(status=Review.Status.DRAFT)
    response = editor_client.get(change_url(unpublished))
    assertNotContains(response, "Save draft")
    assertContains(response, "Preview")


def test_moderators_cannot_see_or_discard_drafts(client, moderator, live_review, editor):
    drafts.save_draft(
        live_review,
        {
            "film": live_review.film,
            "headline": "Secret",
            "slug": "keeper",
            "body": "x",
            "rating": None,
        },
        {},
        editor,
    )
    client.force_login(moderator)
    preview = reverse("admin:reviews_review_draft_preview", args=[live_review.pk])
    assert client.get(preview).status_code == 403
    discard = reverse("admin:reviews_review_draft_discard", args=[live_review.pk])
    assert client.post(discard).status_code == 403
    assert ReviewDraft.objects.exists()


def test_a_draft_keeps_a_change_of_critic_until_it_is_published(live_review, editor, committed):
    critic = Critic.objects.create(name="Pauline Kael", slug="pauline-kael")
    values = {
        "film": live_review.film,
        "headline": live_review.headline,
        "slug": "keeper",
        "critic": critic,
        "body": DRAFT_BODY,
        "rating": None,
        "tags": [],
        "mentioned_films": [],
    }
    with committed():
        drafts.save_draft(live_review, values, {}, editor)
    assert Review.objects.get(pk=live_review.pk).critic is None
    assert ReviewDraft.objects.get().values["critic"] == critic.pk

    with committed():
        drafts.publish_draft(live_review)

    assert Review.objects.get(pk=live_review.pk).critic == critic
    assert "keeper" in Client().get(critic.get_absolute_url()).text


def test_the_draft_is_compared_with_the_published_review_field_by_field(
    editor_client, live_review, committed
):
    with committed():
        editor_client.post(
            change_url(live_review), edited_form(live_review, _save_draft="Save draft")
        )
    compare_url = reverse("admin:reviews_review_draft_compare", args=[live_review.pk])
    assertContains(editor_client.get(change_url(live_review)), f'href="{compare_url}"')

    page = editor_client.get(compare_url).content.decode()

    rows = re.findall(
        r'<th scope="row">(.*?)</th><td class="draft-compare__diff">(.*?)</td>', page, re.S
    )
    changed = dict(rows)
    assert set(changed) == {"Body", "Tags", "Pull quotes", "Further reading"}
    assert "<del>wait</del><ins>sing</ins>" in changed["Body"]
    assert "A drafted quote" in changed["Pull quotes"]
    assert "Headline" not in changed  # unchanged fields are left out
    assert Review.objects.get(pk=live_review.pk).body == LIVE_BODY  # comparing changes nothing


def test_a_moderator_cannot_compare_a_draft(client, moderator, live_review, editor_client):
    editor_client.post(change_url(live_review), edited_form(live_review, _save_draft="Save draft"))
    client.force_login(moderator)

    response = client.get(reverse("admin:reviews_review_draft_compare", args=[live_review.pk]))

    assert response.status_code in (302, 403)
    assertNotContains(response, DRAFT_BODY, status_code=response.status_code)
