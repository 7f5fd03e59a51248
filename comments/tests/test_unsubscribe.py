"""Unsubscribing from the emails about comments: every email to a commenter carries RFC
8058's one-click headers and a visible link for its thread and one for everything; opening
a link changes nothing until its button is pressed; a mail client's one-click POST
unsubscribes at once; a link made or changed by anyone else is refused with a clear page;
and nothing more is recorded for an address once it has unsubscribed."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from comments.models import Comment, Unsubscription
from comments.services import moderate, reply_as_staff
from comments.subscriptions import UNSUBSCRIBE_SALT, unsubscribe_url
from comments.tests.helpers import add_comment, parse, post_comment
from core.models import Email

pytestmark = pytest.mark.usefixtures("empty_cache")

UNSUBSCRIBE_LINK = re.compile(r"https?://\S+/comments/unsubscribe/[^/\s]+/")


def approve(comments, moderator, capture):
    with capture(execute=True):
        moderate(comments, Comment.Status.APPROVED, moderator)


def footer_links(email):
    """The body's two links: (this thread, every email), as a reader would read them."""
    [thread] = re.findall(r"No more emails about this thread: (\S+)", email.body)
    [everything] = re.findall(r"No more emails about comments at all: (\S+)", email.body)
    return thread, everything


def path_of(url):
    return urlsplit(url).path


def header_link(email):
    [link] = re.findall(r"<([^>]+)>", email.headers["List-Unsubscribe"])
    return link


@pytest.fixture
def published_email(client, review, moderator, django_capture_on_commit_callbacks):
    """The outbox row telling Ruth her comment is published."""
    post_comment(client, review, author_email="Ruth@Example.com", body="Tell me.", notify="on")
    approve(Comment.objects.all(), moderator, django_capture_on_commit_callbacks)
    return Email.objects.get(key__startswith="comment-published:")


def page_text(response):
    return " ".join(parse(response).find("main").text.split())


# What the recipient gets.


def test_a_published_email_carries_one_click_unsubscribe_headers_and_visible_links(
    published_email, mailoutbox, settings
):
    assert published_email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header_link(published_email).startswith(settings.SITE_URL.rstrip("/"))
    thread, everything = footer_links(published_email)
    assert header_link(published_email) == everything
    assert thread != everything
    [sent] = mailoutbox
    assert sent.extra_headers["List-Unsubscribe"] == f"<{everything}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "ruth@example.com" not in header_link(published_email).lower()


def test_a_reply_email_carries_the_links_for_the_thread_it_belongs_to(
    client, review, moderator, django_capture_on_commit_callbacks
):
    top = add_comment(review, "Top of the thread.", author_email="kathy@example.com")
    answer = add_comment(
        review, "Tell me.", parent=top, author_email="tommy@example.com", notify=True
    )
    post_comment(client, review, parent=answer.pk, body="A reply, two down.")
    approve(Comment.objects.pending(), moderator, django_capture_on_commit_callbacks)

    email = Email.objects.get(key__startswith="reply:")
    assert email.to == ["tommy@example.com"]
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    thread, _ = footer_links(email)
    page = Client().get(path_of(thread))
    assert top.get_absolute_url() in page.content.decode()
    assert "Unsubscribe from this thread" in page_text(page)


def test_the_moderators_notice_carries_no_unsubscribe_link(client, review, settings):
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@example.com"]

    post_comment(client, review, notify="on")

    email = Email.objects.get()
    assert email.to == ["queue@example.com"]
    assert email.headers == {}
    assert "unsubscribe" not in email.body.lower()


def test_a_staff_reply_tells_the_commenter_it_answers_with_the_links(
    review, moderator, django_capture_on_commit_callbacks
):
    parent = add_comment(review, "Tell me.", author_email="kathy@example.com", notify=True)

    with django_capture_on_commit_callbacks(execute=True):
        reply_as_staff(Comment(parent=parent, body="From the desk."), moderator)

    email = Email.objects.get()
    assert email.to == ["kathy@example.com"]
    assert "From the desk." in email.body
    assert "List-Unsubscribe" in email.headers
    assert footer_links(email)


# Following the link.


def test_opening_the_link_shows_a_button_and_unsubscribes_nobody(published_email):
    _, everything = footer_links(published_email)

    response = Client().get(path_of(everything))

    assert response.status_code == 200
    form = parse(response).find("form", class_="unsubscribe-form")
    assert form.attrs["method"] == "post"
    assert form.find("button").text == "Unsubscribe from every email"
    assert "noindex" in response.content.decode()
    assert not Unsubscription.objects.exists()


def test_pressing_the_button_unsubscribes_the_address_from_everything(
    published_email, review, moderator, django_capture_on_commit_callbacks
):
    browser = Client(enforce_csrf_checks=True)
    path = path_of(footer_links(published_email)[1])
    form = parse(browser.get(path)).find("form", class_="unsubscribe-form")
    data = {field.attrs["name"]: field.attrs["value"] for field in form.find_all("input")}

    response = browser.post(path, data)

    assert response.status_code == 200
    assert "You will get no more emails about comments." in page_text(response)
    [unsubscription] = Unsubscription.objects.all()
    assert unsubscription.thread is None
    assert "ruth" not in unsubscription.email_hash


def test_a_mail_clients_one_click_post_unsubscribes_at_once(published_email):
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        path_of(header_link(published_email)), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert Unsubscription.objects.filter(thread=None).count() == 1


def test_unsubscribing_twice_is_as_unsubscribing_once(published_email):
    path = path_of(header_link(published_email))
    for _ in range(2):
        response = Client().post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    assert Unsubscription.objects.count() == 1


def test_a_post_without_the_one_click_field_unsubscribes_nobody(published_email):
    response = Client().post(path_of(header_link(published_email)), {})

    assert response.status_code == 400
    assert "press the button" in page_text(response)
    assert not Unsubscription.objects.exists()


# What is recorded afterwards.


def test_no_email_is_recorded_for_an_address_unsubscribed_from_everything(
    published_email, client, review, moderator, django_capture_on_commit_callbacks
):
    Client().post(path_of(header_link(published_email)), {"List-Unsubscribe": "One-Click"})
    ruth = Comment.objects.get(body="Tell me.")
    post_comment(client, review, author_email="ruth@example.com", body="Again.", notify="on")
    post_comment(client, review, parent=ruth.pk, author_email="tom@example.com", body="Reply.")

    approve(Comment.objects.pending(), moderator, django_capture_on_commit_callbacks)

    assert list(Email.objects.values_list("key", flat=True)) == [published_email.key]


def test_unsubscribing_from_a_thread_stops_its_emails_only(
    published_email, client, review, moderator, django_capture_on_commit_callbacks
):
    Client().post(path_of(footer_links(published_email)[0]), {"List-Unsubscribe": "One-Click"})
    ruth = Comment.objects.get(body="Tell me.")
    post_comment(client, review, parent=ruth.pk, author_email="tom@example.com", body="Reply.")
    post_comment(client, review, author_email="ruth@example.com", body="Elsewhere.", notify="on")

    approve(Comment.objects.pending(), moderator, django_capture_on_commit_callbacks)

    elsewhere = Comment.objects.get(body="Elsewhere.")
    assert sorted(Email.objects.values_list("key", flat=True)) == sorted(
        [published_email.key, f"comment-published:{elsewhere.pk}"]
    )
    assert Unsubscription.objects.get().thread == ruth


def test_the_link_and_the_record_hold_a_keyed_hash_of_the_address_not_the_address(
    published_email,
):
    path = path_of(header_link(published_email))
    Client().post(path, {"List-Unsubscribe": "One-Click"})

    [hashed] = Unsubscription.objects.values_list("email_hash", flat=True)
    assert re.fullmatch(r"[0-9a-f]{64}", hashed)
    token = path.removeprefix("/comments/unsubscribe/").removesuffix("/")
    assert signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token) == [hashed, None]


def test_links_and_unsubscriptions_outlive_a_change_of_secret_key(
    published_email, client, review, moderator, settings, django_capture_on_commit_callbacks
):
    old_link = path_of(header_link(published_email))
    Client().post(old_link, {"List-Unsubscribe": "One-Click"})
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50

    assert Client().get(old_link).status_code == 200
    post_comment(client, review, author_email="ruth@example.com", body="Again.", notify="on")
    approve(Comment.objects.pending(), moderator, django_capture_on_commit_callbacks)

    assert list(Email.objects.values_list("key", flat=True)) == [published_email.key]


# Links nobody sent.


def test_a_changed_link_is_refused_with_a_page_that_says_so(published_email):
    path = path_of(header_link(published_email))
    tampered = path.replace("/unsubscribe/", "/unsubscribe/x")

    one_click = {"List-Unsubscribe": "One-Click"}
    for response in [Client().get(tampered), Client().post(tampered, one_click)]:
        assert response.status_code == 400
        assert "not one this site sent" in page_text(response)
    assert not Unsubscription.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        signing.Signer(salt="comments.confirm").sign_object(["0" * 64, None]),  # another link's
        signing.Signer(key="not-the-site-key", salt=UNSUBSCRIBE_SALT).sign_object(["0" * 64, None]),
        signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"hash": "0" * 64}),  # not a link
        signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(["0" * 64, "everything"]),
        signing.dumps(["0" * 64, None], salt=UNSUBSCRIBE_SALT),  # timed: no link of ours is
        "not-even-signed",
    ],
)
def test_a_forged_link_is_refused_and_unsubscribes_nobody(db, token):
    path = reverse("comments:unsubscribe", args=[token])

    response = Client().post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 400
    assert "not one this site sent" in page_text(response)
    assert not Unsubscription.objects.exists()


def test_a_link_for_a_thread_deleted_since_still_answers(review, settings):
    gone = add_comment(review, "Soon gone.")
    path = path_of(unsubscribe_url("http://testserver", "ruth@example.com", gone.pk))
    gone.delete()

    response = Client().post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "no more emails about this thread" in page_text(response)
