"""Pages of a review's threads as a reader sees them, whole: each comment's signature, badges,
time, body and links, replies under their comment, placeholders of removed comments, the
reader's own comment waiting for a moderator, pages in both orders; and what a page costs
in queries with the page cache and the cached blocks off. A review's comments are read in
one query or, with many, in two (``PAGES_READ_WHOLE``): each test reads them both ways."""

from datetime import UTC, datetime, timedelta

import pytest

from comments.models import Comment
from comments.services import reply_as_staff
from comments.templatetags import comments_tags
from comments.tests.helpers import add_comment, heading, post_comment, section, threads
from reviews.models import Critic
from tests.factories import create_staff_user

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")

STARTED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def at(minutes):
    return STARTED + timedelta(minutes=minutes)


@pytest.fixture(params=["in one query", "where each stands, then the page's"])
def reading(request, monkeypatch):
    """How the comments are read, whatever their number."""
    whole = 1_000_000 if request.param == "in one query" else 0
    monkeypatch.setattr(comments_tags, "PAGES_READ_WHOLE", whole)
    return request.param


@pytest.fixture
def discussion(review, editor, settings, reading):
    """``{label: comment}``: four threads, two to a page, of every kind of comment shown,
    and a rejected comment that is not."""
    settings.COMMENTS_THREADS_PER_PAGE = 2
    editor.first_name, editor.last_name = "Edith", "Park"
    editor.save()
    critic_user = create_staff_user("pauline", "Editors")
    Critic.objects.create(name="Pauline Kael", slug="pauline-kael", user=critic_user)
    made = {}
    made["kathy"] = add_comment(
        review,
        "First thread.",
        author_name="Kathy",
        author_url="https://kathy.example/",
        submitted_at=at(0),
    )
    made["staff"] = reply_as_staff(
        Comment(parent=made["kathy"], body="We have a piece on it."), editor
    )
    made["ruth"] = add_comment(
        review, "Thank you.", author_name="Ruth", parent=made["staff"], submitted_at=at(2)
    )
    made["removed"] = Comment.objects.create(
        review=review, body="", status=Comment.Status.REMOVED, submitted_at=at(3)
    )
    made["tommy"] = add_comment(
        review, "Still worth it.", author_name="Tommy", parent=made["removed"], submitted_at=at(4)
    )
    made["madame"] = add_comment(
        review,
        "The ending is a dream.",
        author_name="Madame",
        has_spoilers=True,
        submitted_at=at(5),
    )
    made["critic"] = add_comment(
        review,
        "Thank you all for reading.",
        author_name="",
        user=critic_user,
        is_staff_reply=True,
        is_review_author=True,
        submitted_at=at(6),
    )
    add_comment(review, "Buy now.", author_name="Spammer", status="rejected", submitted_at=at(7))
    Comment.objects.filter(pk=made["staff"].pk).update(submitted_at=at(1))
    return made


def shown(response, labels):
    """The page's threads as ``[(what a comment shows, [its replies…]), …]``, each comment
    named by its label in ``labels``."""
    names = {f"comment-{comment.pk}": label for label, comment in labels.items()}

    def described(li):
        article = li.find("article")
        parts = [names[li.attrs["id"]], *li.attrs["class"].split()[1:]]
        if article.find(class_="comment__removed"):
            return " | ".join([*parts, article.find(class_="comment__removed").text])
        author = article.find(class_="comment__author")
        link = author.find("a")
        parts.append(author.text + (f" <{link.attrs['href']}>" if link else ""))
        parts += [badge.text for badge in article.find_all(class_="badge")]
        time = article.find("time")
        parts.append(f"{time.text} ({time.attrs['datetime']})")
        body = article.find(class_="comment__body")
        if body.tag == "details":  # folded under its summary
            summary = body.find("summary").text
            parts.append(f"{summary}: {body.text.removeprefix(summary).strip()}")
        else:
            parts.append(body.text)
        reply = article.find(class_="comment__reply")
        if reply:
            assert reply.find("a").attrs["href"] == f"?replyto={li.attrs['id'][8:]}#respond"
            parts.append(reply.find("a").attrs["aria-label"])
        flag = article.find(class_="comment__flag")
        if flag:
            assert flag.find("a").attrs["href"] == f"/comments/{li.attrs['id'][8:]}/flag/"
            parts.append("flag")
        return " | ".join(parts)

    def read(ol):
        return [
            (described(li), read(li.child_elements("ol")[0]) if li.child_elements("ol") else [])
            for li in ol.child_elements("li")
        ]

    return read(section(response).child_elements("ol")[0])


def pages_shown(response):
    nav = section(response).find(class_="comment-pages")
    if nav is None:
        return []
    links = [
        item.find("a").attrs["href"] if item.find("a") else "current"
        for item in nav.find("ol").find_all("li")
    ]
    return [*links, nav.find("p").text]


KATHY = (
    "kathy | Kathy <https://kathy.example/> | 22 November 2026, 09:00 (2026-11-22T09:00:00+0000)"
    " | First thread. | Reply to Kathy | flag",
    [
        (
            "staff | comment--staff | Edith Park | Staff"
            " | 22 November 2026, 09:01 (2026-11-22T09:01:00+0000) | We have a piece on it."
            " | Reply to Edith Park | flag",
            [
                (
                    "ruth | Ruth | 22 November 2026, 09:02 (2026-11-22T09:02:00+0000)"
                    " | Thank you. | flag",
                    [],
                )
            ],
        )
    ],
)
REMOVED = (
    "removed | comment--removed | Comment removed by its author",
    [
        (
            "tommy | Tommy | 22 November 2026, 09:04 (2026-11-22T09:04:00+0000)"
            " | Still worth it. | Reply to Tommy | flag",
            [],
        )
    ],
)
MADAME = (
    "madame | Madame | 22 November 2026, 09:05 (2026-11-22T09:05:00+0000)"
    " | Spoiler: this comment gives away the plot: The ending is a dream."
    " | Reply to Madame | flag",
    [],
)
CRITIC = (
    "critic | comment--staff | Pauline Kael | Author"
    " | 22 November 2026, 09:06 (2026-11-22T09:06:00+0000) | Thank you all for reading."
    " | Reply to Pauline Kael | flag",
    [],
)


@pytest.mark.parametrize(
    ("query", "threads", "pages"),
    [
        ("", [KATHY, REMOVED], ["current", "?comments=2#comments", "Oldest first · newest first"]),
        ("?comments=2", [MADAME, CRITIC], ["#comments", "current", "Oldest first · newest first"]),
        (
            "?order=newest",
            [CRITIC, MADAME],
            ["current", "?comments=2&order=newest#comments", "oldest first · Newest first"],
        ),
        (
            "?comments=2&order=newest",
            [REMOVED, KATHY],
            ["?order=newest#comments", "current", "oldest first · Newest first"],
        ),
    ],
)
def test_a_page_of_threads_shows_each_comment_as_its_kind_is_shown(
    client, review, discussion, query, threads, pages
):
    response = client.get(review.get_absolute_url() + query)

    assert shown(response, discussion) == threads
    assert pages_shown(response) == pages
    assert heading(response) == "6 responses"


@pytest.mark.parametrize(
    ("label", "query", "signed"),
    [("staff", "", "Edith Park"), ("critic", "comments=2&", "Pauline Kael")],
)
def test_the_form_answering_a_staff_reply_names_its_writer_as_the_reply_is_signed(
    client, review, discussion, label, query, signed
):
    answered = discussion[label]

    response = client.get(f"{review.get_absolute_url()}?{query}replyto={answered.pk}")

    assert section(response).find(id="respond").find("h3").text == f"Reply to {signed}"
    assert section(response).find("form").find(name="parent").attrs["value"] == str(answered.pk)


def test_the_readers_own_waiting_comment_ends_the_threads_for_them_alone(
    client, review, discussion
):
    post_comment(client, review, author_name="Ruth", body="A question, then.")
    mine = Comment.objects.get(body="A question, then.")
    Comment.objects.filter(pk=mine.pk).update(submitted_at=at(8))

    response = client.get(review.get_absolute_url() + "?comments=3")

    assert shown(response, {**discussion, "mine": mine}) == [
        (
            "mine | comment--pending | Ruth | Your comment is awaiting moderation"
            " | 22 November 2026, 09:08 (2026-11-22T09:08:00+0000) | A question, then.",
            [],
        )
    ]
    assert heading(response) == "6 responses"
    others = client.__class__().get(review.get_absolute_url() + "?comments=3")
    assert shown(others, discussion) == [MADAME, CRITIC]


def test_a_page_of_threads_costs_a_query_for_its_comments_or_two_with_many(
    client, review, discussion, reading, django_assert_num_queries
):
    # The review with its film, critic and discussion; its tags, pull quotes and further
    # reading (one query); its film's credits; the film's other reviews; its related films;
    # the shown comments (or where each stands, then the page's comments).
    queries = 6 if reading == "in one query" else 7
    with django_assert_num_queries(queries):
        client.get(review.get_absolute_url())
    for n in range(30):
        add_comment(review, f"More {n}.", parent=discussion["kathy"] if n % 2 else None)
    with django_assert_num_queries(queries):
        client.get(review.get_absolute_url() + "?comments=3&order=newest")


def test_a_review_with_many_comments_reads_where_each_stands_then_the_pages(
    client, review, settings, django_assert_num_queries
):
    settings.COMMENTS_THREADS_PER_PAGE = 2
    bodies = [f"Thread {n}." for n in range(2 * comments_tags.PAGES_READ_WHOLE + 1)]
    for body in bodies:
        add_comment(review, body)

    with django_assert_num_queries(7):
        response = client.get(review.get_absolute_url() + "?order=newest")

    assert [text for _, text, _ in threads(response)] == bodies[:-3:-1]
