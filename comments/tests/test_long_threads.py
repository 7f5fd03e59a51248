"""A review with many comments shows them in pages of top-level threads, replies staying
with their thread; a link to any comment opens the page that holds it."""

import pytest
from django.urls import reverse

from comments.tests.helpers import add_comment, bodies_shown, heading, parse


@pytest.fixture
def threads(review, settings):
    """Five threads of two comments each (a comment and its reply), oldest first."""
    settings.COMMENTS_THREADS_PER_PAGE = 2
    made = []
    for n in range(5):
        top = add_comment(review, body=f"Thread {n}.")
        made.append((top, add_comment(review, body=f"Reply {n}.", parent=top)))
    return made


def page(client, review, query=""):
    return client.get(review.get_absolute_url() + query)


def test_the_first_page_holds_the_oldest_threads_with_their_replies_and_counts_them_all(
    client, review, threads
):
    response = page(client, review)

    assert bodies_shown(response) == ["Thread 0.", "Reply 0.", "Thread 1.", "Reply 1."]
    assert heading(response) == "10 responses"


def test_the_pages_follow_each_other_and_the_last_is_shorter(client, review, threads):
    assert bodies_shown(page(client, review, "?comments=3")) == ["Thread 4.", "Reply 4."]
    nav = parse(page(client, review, "?comments=2")).find(class_="comment-pages")
    links = [(a.text, a.attrs["href"]) for a in nav.find("ol").find_all("a")]
    assert links == [("1", "#comments"), ("3", "?comments=3#comments")]
    assert nav.find("span").attrs["aria-current"] == "page" and nav.find("span").text == "2"


def test_newest_first_reverses_the_threads_not_the_replies(client, review, threads):
    response = page(client, review, "?order=newest")

    assert bodies_shown(response) == ["Thread 4.", "Reply 4.", "Thread 3.", "Reply 3."]
    nav = parse(response).find(class_="comment-pages")
    assert nav.find("a", href="?comments=2&order=newest#comments") is not None
    assert nav.find("a", href="?#comments").text == "oldest first"


@pytest.mark.parametrize(
    "query", ["?comments=0", "?comments=abc", "?comments=99999999", "?order=x"]
)
def test_a_page_that_cannot_be_read_or_is_past_the_end_shows_a_page_of_threads(
    client, review, threads, query
):
    response = page(client, review, query)

    assert response.status_code == 200
    assert bodies_shown(response)[0] in {"Thread 0.", "Thread 4."}


def test_a_link_to_a_reply_opens_the_page_of_its_thread_scrolled_to_it(client, review, threads):
    reply = threads[3][1]

    response = client.get(reply.get_absolute_url())

    assert response.url == f"{review.get_absolute_url()}?comments=2#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in client.get(response.url).content.decode()


def test_a_link_to_a_comment_on_the_first_page_has_no_page_number(client, review, threads):
    response = client.get(threads[0][0].get_absolute_url())

    assert response.url == f"{review.get_absolute_url()}#comment-{threads[0][0].pk}"


def test_a_link_to_a_comment_nobody_may_see_is_not_found(client, review):
    hidden = add_comment(review, body="Spam.", status="spam")

    assert client.get(reverse("comments:comment", args=[hidden.pk])).status_code == 404
