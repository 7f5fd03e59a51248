"""A passage of a review marked as a spoiler: folded on the page, kept out of everything
that shows a review's text elsewhere (feeds, search snippets, descriptions, JSON-LD)."""

import json
import re

from django.urls import reverse

from reviews.tests.test_search import headlines, indexed, search_page, snippets  # noqa: F401
from tests.page_tree import parse_html

BODY = """Hailsham looks like any English boarding school.

::: spoiler The ending
Kathy lets Tommy go, and the donations take Ruth first.
:::

The last shot is of a fence in the wind.
"""
SECRET = "donations take Ruth"


def test_a_spoiler_is_folded_under_its_label_and_opens_without_script(client, make_review):
    review = make_review(body=BODY)

    page = parse_html(client.get(review.get_absolute_url()).content.decode())

    (folded,) = page.find(class_="prose").find_all("details")
    assert folded.find("summary").text == "Spoiler: The ending"
    assert SECRET in folded.text
    assert "open" not in folded.attrs


def test_a_spoiler_without_a_label_says_spoiler(make_review):
    review = make_review(body="::: spoiler\nRuth dies.\n:::\n")

    assert '<details class="spoiler"><summary>Spoiler</summary>' in review.body_html


def test_a_spoiler_starting_the_body_is_left_out_of_the_summary_feeds_and_json_ld(
    client, make_review
):
    review = make_review(body=BODY.split("\n", 2)[2])  # the spoiler comes first

    assert review.excerpt == "The last shot is of a fence in the wind."
    page = client.get(review.get_absolute_url()).content.decode()
    head = page.split("</head>")[0]
    assert SECRET not in head  # og:description, the description and JSON-LD
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert SECRET not in json.dumps(json.loads(json_ld.group(1)))
    for feed in ("reviews:feed_rss", "reviews:feed_atom"):
        assert SECRET not in client.get(reverse(feed)).content.decode()


def test_search_neither_matches_nor_shows_a_spoiler(client, indexed, make_review):  # noqa: F811
    with indexed():
        make_review(headline="Never Let Me Go", body=BODY)

    assert headlines(search_page(client, "donations")) == []
    response = search_page(client, "fence")
    assert headlines(response) == ["Never Let Me Go"]
    assert snippets(response) and all(SECRET not in snippet for snippet in snippets(response))


def test_a_spoilers_label_is_text_not_markup(make_review):
    review = make_review(body="::: spoiler <img src=x onerror=alert(1)>\nRuth dies.\n:::\n")

    summary = re.search(r"<summary>(.*?)</summary>", review.body_html).group(1)
    assert "<img" not in summary and "&lt;img" in summary
