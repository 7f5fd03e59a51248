"""Readers flag published comments; enough flags send a comment back to the moderators."""

import pytest
from django.test import Client
from django.urls import reverse

from comments.flags import flag_comment
from comments.models import Comment, Flag
from comments.services import moderate
from comments.tests.helpers import add_comment, bodies_shown, parse


def flag_url(comment):
    return reverse("comments:flag", args=[comment.pk])


def flag_from_new_browser(comment, reason="abuse"):
    browser = Client(enforce_csrf_checks=False)
    return browser.post(flag_url(comment), {"reason": reason}), browser


@pytest.fixture
def comment(review):
    return add_comment(review, body="You are all idiots.")


def test_every_published_comment_has_a_flag_link_to_its_flag_page(client, review, comment):
    section = parse(client.get(review.get_absolute_url())).find(id="comments")

    link = section.find(class_="comment__flag").find("a")
    assert link.attrs["href"] == flag_url(comment)
    assert link.attrs["rel"] == "nofollow"


def test_the_flag_page_quotes_the_comment_and_asks_why(client, comment):
    response = client.get(flag_url(comment))

    page = parse(response)
    assert "You are all idiots." in page.find("blockquote").text
    reasons = [box.attrs["value"] for box in page.find_all("input", type="radio")]
    assert reasons == Flag.Reason.values
    assert (
        response["Cache-Control"].startswith("max-age=0") or "private" in response["Cache-Control"]
    )
    assert page.find("meta", name="robots").attrs["content"] == "noindex"


def test_a_flag_without_a_reason_says_what_to_choose(client, comment):
    response = client.post(flag_url(comment), {})

    assert response.status_code == 400
    assert "Choose what is wrong with the comment." in response.content.decode()
    assert not Flag.objects.exists()


def test_one_browser_flags_a_comment_once(comment):
    response, browser = flag_from_new_browser(comment)
    assert "The moderators will look at this comment." in response.content.decode()

    again = browser.post(flag_url(comment), {"reason": "spam"})

    assert "You have flagged this comment already" in again.content.decode()
    assert list(Flag.objects.values_list("reason", flat=True)) == ["abuse"]


def test_enough_flags_hide_the_comment_and_return_it_to_the_queue_with_the_reasons(
    client, settings, review, comment
):
    settings.COMMENTS_FLAGS_TO_REVIEW = 2
    flag_from_new_browser(comment, "abuse")
    assert "You are all idiots." in bodies_shown(client.get(review.get_absolute_url()))

    flag_from_new_browser(comment, "spam")

    comment.refresh_from_db()
    assert (comment.status, comment.held_reason) == ("pending", Comment.Reason.FLAGGED)
    assert "You are all idiots." not in bodies_shown(client.get(review.get_absolute_url()))
    assert client.get(flag_url(comment)).status_code == 404  # no longer shown


def test_a_flagged_comment_can_stay_shown_while_it_waits_for_a_decision(
    client, settings, review, comment, moderator
):
    settings.COMMENTS_FLAGS_TO_REVIEW = 1
    settings.COMMENTS_FLAGGED_STAY_SHOWN = True

    flag_from_new_browser(comment)

    comment.refresh_from_db()
    assert (comment.status, comment.held_reason) == ("approved", Comment.Reason.FLAGGED)
    assert "You are all idiots." in bodies_shown(client.get(review.get_absolute_url()))
    moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)
    comment.refresh_from_db()
    assert comment.held_reason == Comment.Reason.NONE


def test_flags_answered_by_a_moderator_do_not_count_again(settings, comment, moderator):
    settings.COMMENTS_FLAGS_TO_REVIEW = 2
    flag_comment(comment, "abuse", "browser-1")
    flag_comment(comment, "abuse", "browser-2")
    moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)
    comment.refresh_from_db()

    flag_comment(comment, "abuse", "browser-3")

    comment.refresh_from_db()
    assert (comment.status, comment.held_reason) == ("approved", Comment.Reason.NONE)


def test_the_moderator_sees_the_readers_reasons_and_the_thread_on_the_comments_page(
    moderator_client, review
):
    first = add_comment(review, body="The ending ruined it.", author_name="Ann")
    flagged = add_comment(review, body="Ann is a fool.", parent=first, author_name="Bo")
    add_comment(review, body="Be kind, Bo.", parent=flagged, author_name="Cy")
    flag_comment(flagged, "abuse", "browser-1")
    flag_comment(flagged, "spoiler", "browser-2")

    page = parse(moderator_client.get(reverse("admin:comments_comment_change", args=[flagged.pk])))

    thread = [item.text for item in page.find(class_="moderation-thread").find_all("li")]
    assert thread == [
        "Ann (Approved): The ending ruined it.",
        "Bo (Approved): Ann is a fool.",
        "Cy (Approved): Be kind, Bo.",
    ]
    flags = page.find(class_="field-reader_flags").text
    assert "Abusive or hateful: 1" in flags and "An unmarked spoiler: 1" in flags
