"""The admin's front page as a desk: what an editor and a moderator find there first."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.tests.helpers import comment_on
from reviews.models import Review
from tests.page_tree import parse_html

INDEX = reverse("admin:index")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def desk(client):
    page = parse_html(client.get(INDEX).content.decode())
    return {
        shelf.find("h2").text: [
            (item.find("a").text, item.find(class_="desk-when").text)
            if item.find(class_="desk-when")
            else item.text
            for item in shelf.find_all("li")
        ]
        for shelf in page.find_all(class_="desk-shelf")
    }


def test_an_editor_sees_drafts_scheduled_and_recently_published_reviews(editor_client, make_review):
    make_review(headline="Unfinished thoughts", status=Review.Status.DRAFT)
    soon = timezone.now() + timedelta(days=2)
    make_review(headline="Out on Friday", status=Review.Status.SCHEDULED, publish_at=soon)
    make_review(headline="Out already", publish_at=timezone.now() - timedelta(hours=1))

    shelves = desk(editor_client)

    ((draft, edited),) = shelves["Drafts (1)"]
    assert draft == "Unfinished thoughts" and "edited 0 minutes ago" in edited
    ((scheduled, goes_live),) = shelves["Scheduled (1)"]
    assert scheduled == "Out on Friday"
    assert goes_live.endswith("goes live " + timezone.localtime(soon).strftime("%-d %b %Y, %H:%M"))
    assert [headline for headline, _ in shelves["Recently published (1)"]] == ["Out already"]


def test_a_long_shelf_shows_the_first_reviews_and_links_to_them_all(editor_client, make_review):
    for n in range(10):
        make_review(headline=f"Draft {n}", status=Review.Status.DRAFT)

    response = editor_client.get(INDEX)

    assert len(desk(editor_client)["Drafts (10)"]) == 8
    assert f'href="{reverse("admin:reviews_review_changelist")}?status=draft"' in (
        response.content.decode()
    )


def test_a_moderator_sees_the_queue_by_reason_and_the_reviews_waiting_longest(
    moderator_client, make_review
):
    quiet, busy = make_review(headline="Quiet"), make_review(headline="Busy")
    comment_on(busy, held_reason=Comment.Reason.MODERATION, minutes_ago=5)
    comment_on(busy, held_reason=Comment.Reason.LINKS, minutes_ago=1)
    comment_on(quiet, held_reason=Comment.Reason.MODERATION, minutes_ago=60)
    comment_on(quiet, held_reason=Comment.Reason.NONE, minutes_ago=30)
    comment_on(quiet, status=Comment.Status.APPROVED)

    shelves = desk(moderator_client)

    assert shelves["Waiting, by reason"] == [
        "Every comment waits for a moderator: 2",
        "No reason recorded (imported): 1",
        "Too many links: 1",
    ]
    waiting = shelves["Reviews with comments waiting"]
    assert [headline for headline, _ in waiting] == ["Quiet", "Busy"]
    assert [when.split(" ·")[0] for _, when in waiting] == ["2 waiting", "2 waiting"]
    assert "Drafts (0)" not in shelves  # reviews are the editors' work


def test_an_empty_queue_shows_no_moderation_shelves(moderator_client, make_review):
    make_review()

    assert desk(moderator_client) == {}


def test_an_editor_sees_drafts_of_published_reviews_and_reviews_with_comments_waiting(
    editor_client, editor, make_review
):
    from reviews.models import ReviewDraft

    live = make_review(headline="Live, with a draft")
    ReviewDraft.objects.create(review=live, values={}, saved_by=editor)
    busy = make_review(headline="Readers wait here")
    comment_on(busy, held_reason=Comment.Reason.MODERATION)

    shelves = desk(editor_client)

    ((headline, saved),) = shelves["Drafts of published reviews (1)"]
    assert headline == "Live, with a draft" and "draft saved 0 minutes ago" in saved
    assert shelves["Reviews with comments waiting"] == [
        ("Readers wait here", "1 waiting for the moderators")
    ]
