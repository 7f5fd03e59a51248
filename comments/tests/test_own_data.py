"""A reader's own data: asking for the link (the same answer whether or not the address
sent comments, rate-limited), the page it opens (every comment from the address, whatever
its state, never cached, sending no Referer), the JSON download, and the erasure (comments
deleted, others' replies kept under a placeholder, pages and counts brought up to date,
emails forgotten)."""

import json
import logging
import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from comments import own_data
from comments.models import Comment, Flag
from comments.services import moderate
from comments.tests.helpers import add_comment, heading, parse, section, stored_count
from core.models import Email

pytestmark = pytest.mark.usefixtures("empty_cache")

REQUEST = reverse("comments:own_data_request")
LISTING = reverse("comments:own_data")
DOWNLOAD = reverse("comments:own_data_download")
ERASE = reverse("comments:own_data_erase")
RUTH = "ruth@example.com"


def ask_for_link(client, address, ip="198.51.100.7"):
    return client.post(REQUEST, {"email": address}, REMOTE_ADDR=ip)


def answer(response):
    return " ".join(parse(response).find("main").text.split())


def link_in(email):
    return re.search(r"https?://\S+", email.body).group(0)


def listing_of(address):
    return f"{LISTING}?token={own_data.link_token(address)}"


def shown_comments(response):
    return [
        " ".join(item.text.split()) for item in parse(response).find_all(class_="own-data-comment")
    ]


@pytest.fixture
def ruths(review, make_review):
    """Ruth's comments in every state, on two reviews, and one by someone else."""
    other_review = make_review(headline="Second thoughts")
    return {
        "approved": add_comment(review, "Right about the ending.", author_email=RUTH),
        "pending": add_comment(
            review, "Still thinking.", author_email=RUTH, status=Comment.Status.PENDING
        ),
        "rejected": add_comment(
            other_review, "Rude words.", author_email=RUTH, status=Comment.Status.REJECTED
        ),
        "spam": add_comment(
            other_review, "Buy now.", author_email=RUTH, status=Comment.Status.SPAM
        ),
        "other": add_comment(review, "Not Ruth's.", author_email="sam@example.com"),
    }


# Asking for the link.


def test_the_answer_is_the_same_whether_or_not_the_address_sent_comments(client, ruths):
    known = ask_for_link(client, "Ruth@Example.com ")
    unknown = ask_for_link(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert answer(known).replace("ruth@example.com", "X") == answer(unknown).replace(
        "nobody@example.com", "X"
    )
    assert "If comments were sent from nobody@example.com, a link to them is on its way" in (
        answer(unknown)
    )
    assert [email.to for email in Email.objects.all()] == [[RUTH]]


def test_a_known_address_is_mailed_a_link_that_opens_its_comments(client, ruths):
    ask_for_link(client, RUTH)

    email = Email.objects.get()
    assert email.subject == "Your comments on Long Take"
    link = urlsplit(link_in(email))
    page = Client().get(f"{link.path}?{link.query}")
    assert page.status_code == 200
    assert len(shown_comments(page)) == 4


def test_the_request_does_the_same_work_whether_or_not_the_address_sent_comments(
    client, ruths, task_queue
):
    ask_for_link(client, RUTH)
    ask_for_link(client, "nobody@example.com")

    assert len(task_queue.waiting()) == 2
    assert not Email.objects.exists()
    task_queue.run()
    assert [email.to for email in Email.objects.all()] == [[RUTH]]


def test_an_outbox_that_fails_still_gets_the_same_answer(client, ruths, monkeypatch):
    def broken(emails):
        raise RuntimeError("the outbox is gone")

    monkeypatch.setattr("core.mail.send", broken)
    known = ask_for_link(client, RUTH)

    assert known.status_code == 200
    assert "If comments were sent from ruth@example.com, a link" in answer(known)


def test_a_malformed_address_is_refused_on_the_field_and_mails_nothing(client, ruths):
    response = ask_for_link(client, "ruth at example")

    assert response.status_code == 400
    error = parse(response).find(class_="field-error")
    assert error.text == "Give an email address, such as name@example.com."
    assert not Email.objects.exists()


def test_asking_too_often_from_one_address_is_refused_with_a_message(client, ruths, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    for n in range(2):
        assert ask_for_link(client, f"someone{n}@example.com").status_code == 200

    response = ask_for_link(client, RUTH)

    assert response.status_code == 429
    assert "You have asked for several links in a short time" in answer(response)
    assert not Email.objects.exists()
    assert ask_for_link(client, RUTH, ip="198.51.100.8").status_code == 200


def test_links_to_one_inbox_stop_after_the_limit_and_the_answer_stays_the_same(
    client, ruths, settings
):
    settings.COMMENTS_RATE_LIMIT = 2
    answers = {answer(ask_for_link(client, RUTH, ip=f"198.51.100.{n}")) for n in range(5)}

    assert len(answers) == 1
    assert Email.objects.count() == 2


# The page the link opens.


def test_the_page_lists_every_comment_from_the_address_whatever_its_state(client, ruths):
    page = client.get(listing_of(RUTH))

    shown = shown_comments(page)
    assert len(shown) == 4
    assert "A quiet triumph of the everyday" in shown[0] and "Published" in shown[0]
    assert "Right about the ending." in shown[0]
    assert "Awaiting moderation" in shown[1] and "Still thinking." in shown[1]
    assert "Second thoughts" in shown[2] and "Not published (rejected by a moderator)" in shown[2]
    assert "Not published (taken for spam)" in shown[3] and "Buy now." in shown[3]
    assert not any("Not Ruth's." in text for text in shown)


def test_the_personal_pages_are_never_cached_nor_indexed(client, ruths):
    token = own_data.link_token(RUTH)
    behind_the_link = [
        client.get(listing_of(RUTH)),
        client.post(DOWNLOAD, {"token": token}),
        client.post(ERASE, {"token": token}),
        client.get(LISTING, {"token": "forged"}),
    ]
    for response in [client.get(REQUEST), *behind_the_link]:
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]
    for response in behind_the_link:
        assert response["Referrer-Policy"] == "no-referrer"


def test_the_link_is_the_forms_only_credential(ruths):
    """Pages behind the link send no Referer, so browsers send their forms' Origin as
    "null": the link's token, which no other site can know, stands in for a CSRF token."""
    browser = Client(enforce_csrf_checks=True)
    token = own_data.link_token(RUTH)

    download = browser.post(DOWNLOAD, {"token": token}, HTTP_ORIGIN="null")
    forged = browser.post(ERASE, {"token": "guessed", "confirm": "on"}, HTTP_ORIGIN="null")
    asked = browser.post(REQUEST, {"email": RUTH})

    assert download.status_code == 200
    assert forged.status_code == 400
    assert Comment.objects.filter(author_email=RUTH).count() == 4
    assert asked.status_code == 403  # the request form has a CSRF token of its own


def test_the_request_log_does_not_hold_the_token(client, ruths, caplog):
    token = own_data.link_token(RUTH)
    with caplog.at_level(logging.INFO, logger="requests"):
        client.get(f"{LISTING}?token={token}")

    assert caplog.records
    assert not any(token in record.getMessage() for record in caplog.records)


def test_a_tampered_link_is_refused_with_a_page_saying_so(client, ruths):
    token = own_data.link_token(RUTH)
    forged = signing.dumps("sam@example.com", salt="another")
    for bad in (token[:-2] + "xx", forged, "", "x" * 2000):
        response = client.get(LISTING, {"token": bad})
        assert response.status_code == 400
        assert parse(response).find("h1").text == "This link is not valid"
        assert not shown_comments(response)


def test_a_link_older_than_a_day_is_refused_as_expired(client, ruths, monkeypatch):
    day_and_a_minute_ago = time.time() - own_data.LINK_MAX_AGE - 60
    monkeypatch.setattr(signing.time, "time", lambda: day_and_a_minute_ago)
    old = own_data.link_token(RUTH)
    monkeypatch.undo()

    for response in (
        client.get(LISTING, {"token": old}),
        client.post(DOWNLOAD, {"token": old}),
        client.post(ERASE, {"token": old, "confirm": "on"}),
    ):
        assert response.status_code == 400
        assert parse(response).find("h1").text == "This link has expired"
    assert Comment.objects.filter(author_email=RUTH).count() == 4


# The download.


def test_the_download_is_a_json_file_of_everything_kept_with_the_comments(client, ruths):
    response = client.post(DOWNLOAD, {"token": own_data.link_token(RUTH)})

    assert response["Content-Disposition"] == 'attachment; filename="my-comments-long-take.json"'
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content)
    assert data["email"] == RUTH
    assert [c["text"] for c in data["comments"]] == [
        "Right about the ending.",
        "Still thinking.",
        "Rude words.",
        "Buy now.",
    ]
    first = data["comments"][0]
    approved = ruths["approved"]
    assert first["review"] == {
        "title": "A quiet triumph of the everyday",
        "address": "http://testserver" + approved.review.get_absolute_url(),
    }
    assert first["name"] == approved.author_name
    assert first["email"] == RUTH
    assert first["website"] == ""
    assert first["status"] == "approved"
    assert first["sent_at"] == approved.submitted_at.isoformat(timespec="seconds")
    assert [c["status"] for c in data["comments"]] == ["approved", "pending", "rejected", "spam"]


def test_the_download_needs_a_post(client, ruths):
    response = client.get(DOWNLOAD, {"token": own_data.link_token(RUTH)})
    assert response.status_code == 405


# The erasure.


def erase(client, address, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(ERASE, {"token": own_data.link_token(address), **data})


def test_erasing_needs_the_box_ticked(client, ruths, django_capture_on_commit_callbacks):
    response = erase(client, RUTH, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "Tick the box to confirm" in parse(response).find(class_="own-data-erase").text
    assert Comment.objects.filter(author_email=RUTH).count() == 4


def test_erasing_deletes_the_comments_and_keeps_others_replies_under_a_placeholder(
    client, review, ruths, django_capture_on_commit_callbacks
):
    mine = ruths["approved"]
    reply = add_comment(review, "I disagree with Ruth.", parent=mine, author_name="Sam")
    own_reply = add_comment(review, "Ruth again, to herself.", parent=mine, author_email=RUTH)
    Flag.objects.create(comment=mine, reason=Flag.Reason.OTHER, flagger="f" * 64)

    response = erase(client, RUTH, django_capture_on_commit_callbacks, confirm="on")

    assert "5 comments sent from ruth@example.com are deleted" in answer(response)
    assert not Comment.objects.filter(pk__in=[own_reply.pk, ruths["spam"].pk]).exists()
    placeholder = Comment.objects.get(pk=mine.pk)
    assert placeholder.status == Comment.Status.REMOVED
    assert (placeholder.body, placeholder.author_name, placeholder.author_email) == ("", "", "")
    assert not placeholder.flags.exists()
    assert Comment.objects.get(pk=reply.pk).parent_id == mine.pk
    assert not Comment.objects.filter(author_email=RUTH).exists()
    assert not shown_comments(client.get(listing_of(RUTH)))

    page = Client().get(review.get_absolute_url())
    removed = parse(page).find("li", id=f"comment-{mine.pk}")
    assert removed.find(class_="comment__removed").text == "Comment removed by its author"
    assert "I disagree with Ruth." in removed.find("ol").text
    assert heading(page) == "2 responses"  # the reply and the other reader's comment
    assert stored_count(review) == 2


def test_erasing_makes_the_cached_review_page_drop_the_text(
    client, review, ruths, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    reader = Client()
    assert "Right about the ending." in section(reader.get(review.get_absolute_url())).text
    assert reader.get(review.get_absolute_url())["X-Page-Cache"] == "hit"

    erase(client, RUTH, django_capture_on_commit_callbacks, confirm="on")

    page = reader.get(review.get_absolute_url())
    assert "Right about the ending." not in section(page).text
    assert heading(page) == "1 response"


def test_erasing_forgets_the_emails_to_the_address_and_about_its_comments(
    client, ruths, django_capture_on_commit_callbacks
):
    mine = ruths["pending"]
    Email.objects.create(key=f"comment-published:{mine.pk}", to=[RUTH], subject="s", body="b")
    Email.objects.create(
        key=f"comment-waiting:{mine.pk}", to=["mo@example.com"], subject="s", body="Still thinking."
    )
    kept = Email.objects.create(
        key="comment-waiting:999", to=["mo@example.com"], subject="s", body="b"
    )

    response = erase(client, RUTH, django_capture_on_commit_callbacks, confirm="on")

    assert response.status_code == 200
    assert list(Email.objects.all()) == [kept]


def test_a_placeholder_is_no_moderators_to_decide(
    client, review, ruths, moderator, django_capture_on_commit_callbacks
):
    mine = ruths["approved"]
    add_comment(review, "A reply.", parent=mine)
    erase(client, RUTH, django_capture_on_commit_callbacks, confirm="on")

    changed = moderate(Comment.objects.filter(pk=mine.pk), Comment.Status.APPROVED, moderator)

    assert changed == []
    assert Comment.objects.get(pk=mine.pk).status == Comment.Status.REMOVED


def test_a_placeholder_nobody_needs_any_more_goes_with_the_next_erasure(
    client, review, django_capture_on_commit_callbacks
):
    ruth = add_comment(review, "Ruth first.", author_email=RUTH)
    sams = add_comment(review, "Sam answers.", parent=ruth, author_email="sam@example.com")
    erase(client, RUTH, django_capture_on_commit_callbacks, confirm="on")

    erase(client, "sam@example.com", django_capture_on_commit_callbacks, confirm="on")

    assert not Comment.objects.filter(pk__in=[ruth.pk, sams.pk]).exists()


def test_moderators_can_neither_edit_a_placeholder_nor_make_one(
    client, review, ruths, moderator_client, django_capture_on_commit_callbacks
):
    mine = ruths["approved"]
    add_comment(review, "A reply.", parent=mine)
    erase(client, RUTH, django_capture_on_commit_callbacks, confirm="on")

    placeholder = moderator_client.get(reverse("admin:comments_comment_change", args=[mine.pk]))
    other = moderator_client.get(reverse("admin:comments_comment_change", args=[ruths["other"].pk]))

    assert placeholder.status_code == 200
    assert not parse(placeholder).find("select", name="status")
    status = parse(other).find("select", name="status")
    offered = [option.attrs["value"] for option in status.find_all("option")]
    assert offered == ["pending", "approved", "rejected", "spam"]
