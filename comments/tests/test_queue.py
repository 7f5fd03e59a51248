"""The moderators' queue in the admin: its order, what each row shows, the filters and
search, the queries it makes, and the admin front page's count of comments waiting."""

import re
from html import unescape

from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment
from comments.tests.helpers import INDEX, QUEUE, comment_on, rows
from tests.page_tree import parse_html


def filter_choices(response, title):
    """The choices the queue's filter panel offers under one filter."""
    html = response.content.decode()
    section = re.search(rf'data-filter-title="{title}".*?</ul>', html, re.S)[0]
    return [unescape(text) for text in re.findall(r'<a href="[^"]*">(.*?)</a>', section)]


# The queue


def test_queue_lists_pending_comments_first_then_newest_first(moderator_client, review):
    comment_on(review, "Old approved", minutes_ago=50, status=Comment.Status.APPROVED)
    comment_on(review, "Old pending", minutes_ago=40)
    comment_on(review, "New spam", minutes_ago=5, status=Comment.Status.SPAM)
    comment_on(review, "New pending", minutes_ago=10)
    comment_on(review, "Middling rejected", minutes_ago=20, status=Comment.Status.REJECTED)

    response = moderator_client.get(QUEUE)

    assert rows(response) == [
        "New pending",
        "Old pending",
        "New spam",
        "Middling rejected",
        "Old approved",
    ]


def test_queue_row_shows_excerpt_author_review_parent_context_and_why_held(
    moderator_client, review
):
    parent = comment_on(
        review, "The second act drags, but the ending earns it.", status=Comment.Status.APPROVED
    )
    reply = comment_on(
        review,
        "<b>Disagree</b> " + "entirely " * 30 + "THE END",
        parent=parent,
        author_name="Ada",
        author_email="ada@example.com",
        held_reason=Comment.Reason.LINKS,
    )

    response = moderator_client.get(QUEUE)

    row = re.search(rf'<tr>.*?value="{reply.pk}".*?</tr>', response.content.decode(), re.S)[0]
    assert "&lt;b&gt;Disagree&lt;/b&gt; entirely" in row
    assert "<b>" not in row and "THE END" not in row
    assert "Ada" in row and "ada@example.com" in row
    assert "A quiet triumph of the everyday" in row
    assert f'href="{reply.get_absolute_url()}"' in row
    assert "The second act drags, but the ending earns it." in row
    assert "Too many links" in row
    assert "Pending" in row


def test_top_level_comment_names_no_comment_it_answers(moderator_client, review):
    comment = comment_on(review, "First!")

    response = moderator_client.get(QUEUE)

    row = re.search(rf'<tr>.*?value="{comment.pk}".*?</tr>', response.content.decode(), re.S)[0]
    assert "Reply to" not in row


def test_the_queue_has_few_columns_each_several_facts_to_a_cell(moderator_client, review):
    parent = comment_on(review, "The ending earns it.", status=Comment.Status.APPROVED)
    comment_on(
        review,
        "Disagree.",
        parent=parent,
        author_name="Ada",
        author_email="ada@example.com",
        held_reason=Comment.Reason.LINKS,
    )

    table = parse_html(moderator_client.get(QUEUE).content.decode()).find(id="result_list")

    headers = [th.text.strip() for th in table.find("thead").find_all("th")]
    assert headers == ["", "Comment", "By", "On", "Status", "Reply"]
    row = table.find("tbody").find("tr")
    cells = {cell.attrs["class"].split()[0]: cell for cell in row.children if hasattr(cell, "tag")}
    assert cells["field-excerpt"].text == "Disagree."
    assert [part.text for part in cells["field-commenter"].find_all("small")] == ["ada@example.com"]
    assert cells["field-where"].find("small").text.startswith("Reply to Reader: “The ending")
    assert cells["field-state"].text.startswith("PendingToo many links")


def test_the_queue_wraps_its_cells_with_the_sites_stylesheet(moderator_client):
    page = parse_html(moderator_client.get(QUEUE).content.decode())

    sheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert any(href.endswith("css/moderation.css") for href in sheets)


def test_review_filter_lists_only_reviews_with_comments_waiting(
    moderator_client, review, make_review
):
    quiet = make_review(headline="A review nobody is waiting on")
    comment_on(quiet, "Already fine", status=Comment.Status.APPROVED)
    comment_on(review, "Waiting one")
    comment_on(review, "Waiting two")

    response = moderator_client.get(QUEUE)

    assert filter_choices(response, "review with comments waiting") == [
        "All",
        "A quiet triumph of the everyday (2)",
    ]
    filtered = moderator_client.get(QUEUE, {"review": review.pk})
    assert sorted(rows(filtered)) == ["Waiting one", "Waiting two"]
    emptied = moderator_client.get(QUEUE, {"review": quiet.pk})
    assert rows(emptied) == ["Already fine"]
    assert "A review nobody is waiting on" in filter_choices(
        emptied, "review with comments waiting"
    )


def test_search_finds_comments_by_the_commenters_email(moderator_client, review):
    comment_on(review, "From Ada", author_email="ada@example.com")
    comment_on(review, "From Bob", author_email="bob@example.com")

    response = moderator_client.get(QUEUE, {"q": "ada@example"})

    assert rows(response) == ["From Ada"]


def test_staff_reply_filter_lists_only_staff_replies(moderator_client, review):
    comment_on(review, "From a reader")
    comment_on(review, "From the desk", is_staff_reply=True, status=Comment.Status.APPROVED)

    response = moderator_client.get(QUEUE, {"is_staff_reply__exact": "1"})

    assert rows(response) == ["From the desk"]


def test_queue_queries_do_not_grow_with_comments(
    moderator_client, make_review, django_assert_max_num_queries
):
    reviews = [make_review() for _ in range(3)]
    parents = [
        comment_on(review, f"Parent {n}", status=Comment.Status.APPROVED)
        for n, review in enumerate(reviews)
    ]
    for n in range(57):
        comment_on(reviews[n % 3], f"Comment {n}", parent=parents[n % 3] if n % 2 else None)
    moderator_client.get(QUEUE)  # content types are cached after the first request

    # Session, user, two for permissions, the review filter, the count, the page.
    with django_assert_max_num_queries(7):
        response = moderator_client.get(QUEUE)

    assert len(rows(response)) == 50
    assertContains(response, "Parent 1")


# The admin's front page


def test_front_page_shows_how_many_comments_wait(moderator_client, review):
    for n in range(3):
        comment_on(review, f"Waiting {n}")
    comment_on(review, "Done", status=Comment.Status.APPROVED)

    response = moderator_client.get(INDEX)

    assertContains(
        response,
        f'<a href="{QUEUE}?status__exact=pending">3 comments waiting for moderation</a>',
        html=True,
    )


def test_front_page_says_when_nothing_waits(moderator_client):
    response = moderator_client.get(INDEX)

    assertContains(response, "No comments waiting for moderation")


def test_front_page_shows_no_queue_to_editors(client, editor, review):
    comment_on(review, "Waiting")
    client.force_login(editor)

    response = client.get(INDEX)

    assertNotContains(response, "waiting for moderation")
