"""The lists of tags and films: counts kept as tags change, and pages that show a bounded
part of a catalogue of any size."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from core.pagination import ListingPaginator
from reviews import models
from reviews.models import Critic, Film, Review, count_tag_usage, tags_with_counts
from reviews.views import ReviewListView, TagDetailView, TagListView
from tests.page_tree import parse_html
from tests.queries import query_plan


def counted_tags(html):
    """``[(name, count)]`` of the tags listed with their counts, in the page's order."""
    found = re.findall(r'>([^<>]+?)(?:</a>)? <span class="count">(\d+)</span>', html)
    return [(unescape(name), int(count)) for name, count in found]


def most_used_tags(client):
    html = client.get("/").text
    section = re.search(r'<section class="popular-tags".*?</section>', html, re.S)
    return counted_tags(section[0]) if section else []


# Counts of tags


def test_most_used_tags_follow_tags_added_and_taken_away(client, make_film, make_review, committed):
    first, second = make_film(), make_film()
    review = make_review()
    with committed():
        first.tags.add("noir", "drama")
        second.tags.add("noir")
        review.tags.add("noir", "drama", "heist")
    assert most_used_tags(client) == [("noir", 3), ("drama", 2), ("heist", 1)]

    with committed():
        first.tags.remove("noir")
        review.tags.clear()
    assert most_used_tags(client) == [("drama", 1), ("noir", 1)]

    with committed():
        second.tags.set(["heist"])
    assert most_used_tags(client) == [("drama", 1), ("heist", 1)]


def test_deleting_a_film_or_a_tag_takes_it_out_of_the_counts(client, make_film, committed):
    kept, deleted = make_film(), make_film()
    with committed():
        kept.tags.add("noir", "heist")
        deleted.tags.add("noir")
    with committed():
        deleted.delete()
    assert most_used_tags(client) == [("heist", 1), ("noir", 1)]

    with committed():
        Tag.objects.get(name="heist").delete()
    assert most_used_tags(client) == [("noir", 1)]


def test_a_change_rolled_back_leaves_the_counts_as_they_were(make_film, committed):
    film = make_film()
    with committed():
        film.tags.add("noir")
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        film.tags.add("drama")
        raise RuntimeError("the editor's change fails")
    assert dict(tags_with_counts().values_list("name", "item_count")) == {"noir": 1}


def test_counting_every_tag_counts_tags_put_in_without_signals(make_film, make_review):
    """What a bulk load (``build_archive``) does after inserting tagged items directly."""
    film, review = make_film(), make_review()
    noir, heist = Tag.objects.create(name="noir"), Tag.objects.create(name="heist")
    film_type, review_type = ContentType.objects.get_for_models(Film, Review).values()
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(tag=noir, content_type=film_type, object_id=film.pk),
            TaggedItem(tag=noir, content_type=review_type, object_id=review.pk),
            TaggedItem(tag=heist, content_type=review_type, object_id=review.pk),
        ]
    )
    assert not tags_with_counts().exists()

    count_tag_usage()

    counts = tags_with_counts().values_list("name", "item_count", "usage__film_count")
    assert sorted(counts) == [("heist", 1, 0), ("noir", 2, 1)]


# The pages


def test_all_tags_are_listed_by_name_page_by_page(client, make_film, committed, monkeypatch):
    monkeypatch.setattr(TagListView, "paginate_by", 2)
    first, second = make_film(), make_film()
    with committed():
        first.tags.add("comedy", "noir", "western")
        second.tags.add("noir", "animation")

    page_one = client.get("/tags/").text
    page_two = client.get("/tags/", {"page": 2}).text

    assert counted_tags(page_one) == [("animation", 1), ("comedy", 1)]
    assert "<span>Page 1 of 2</span>" in page_one
    assert counted_tags(page_two) == [("noir", 2), ("western", 1)]


def test_tag_page_shows_the_latest_films_tagged_and_how_many_more(
    client, make_film, committed, monkeypatch
):
    monkeypatch.setattr(TagDetailView, "films_shown", 2)
    films = [make_film(title=title) for title in ("Alphaville", "Brick", "Chinatown")]
    with committed():
        for film in films:
            film.tags.add("noir")

    html = client.get("/tags/noir/").text

    assert re.findall(r'<a href="/films/[^"]+/">([^<]+)</a>', html) == ["Chinatown", "Brick"]
    assert "And 1 more film with this tag." in html


def test_tag_page_with_few_films_shows_them_all(client, make_film, committed):
    film = make_film(title="Brick")
    with committed():
        film.tags.add("noir")

    html = client.get("/tags/noir/").text

    assert "Brick</a>" in html
    assert "more film" not in html


def card_headlines(client, url, **params):
    """The headlines of the review cards on a page, in order."""
    page = parse_html(client.get(url, params).text)
    return [headline.text for headline in page.find_all("h2", class_="card__headline")]


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_every_tag_chip_on_a_card_leads_to_a_page_listing_that_review(
    client, make_film, make_review
):
    film = make_film(title="Brick")
    film.tags.add("noir", "high school")
    make_review(film=film, headline="Hammett in the hallways")

    card = parse_html(client.get("/").text).find("article", class_="card")
    chips = sorted(link.attrs["href"] for link in card.find("ul", class_="tags").find_all("a"))

    assert chips == ["/tags/high-school/", "/tags/noir/"]
    for chip in chips:
        page = client.get(chip).text
        assert card_headlines(client, chip) == ["Hammett in the hallways"]
        assert "No reviews with this tag yet" not in page


def card_tags(client, url, **params):
    """``{headline: [(chip text, address)]}`` of the review cards on a page."""
    page = parse_html(client.get(url, params).text)
    cards = {}
    for card in page.find_all("article", class_="card"):
        chips = [
            (link.text, link.attrs["href"])
            for tags in card.find_all("ul", class_="tags")
            for link in tags.find_all("a")
        ]
        cards[card.find("h2", class_="card__headline").text] = chips
    return cards


@pytest.fixture
def tagged_cards(make_film, make_review):
    """Three reviews by Melissa: one with six tags of its own, one showing its film's tags,
    one with none. The tags are made in one order (their ids), given in another, and named
    in neither: a card shows them in the order they were made."""
    for name in ["western", "noir", "drama", "heist", "comedy", "satire", "dystopia"]:
        Tag.objects.create(name=name)
    melissa = Critic.objects.create(name="Melissa", slug="melissa")
    film = make_film(title="Brick")
    for name in ["dystopia", "noir"]:
        film.tags.add(name)
    own = make_review(film=film, critic=melissa, headline="Own tags", publish_at=hours_ago(1))
    for name in ["satire", "comedy", "heist", "drama", "noir", "western"]:
        own.tags.add(name)
    make_review(film=film, critic=melissa, headline="Film tags", publish_at=hours_ago(2))
    make_review(critic=melissa, headline="No tags", publish_at=hours_ago(3))


CARD_TAGS = {
    # The first five of its own: its film's are not shown.
    "Own tags": [
        ("western", "/tags/western/"),
        ("noir", "/tags/noir/"),
        ("drama", "/tags/drama/"),
        ("heist", "/tags/heist/"),
        ("comedy", "/tags/comedy/"),
    ],
    "Film tags": [("noir", "/tags/noir/"), ("dystopia", "/tags/dystopia/")],
    "No tags": [],
}


@pytest.mark.parametrize("common_tag_items", [500, -1], ids=["few", "many"])
def test_review_cards_show_their_own_or_their_films_first_five_tags_in_the_order_made(
    client, tagged_cards, monkeypatch, common_tag_items
):
    monkeypatch.setattr(models, "COMMON_TAG_ITEMS", common_tag_items)

    assert card_tags(client, "/") == CARD_TAGS
    assert card_tags(client, "/critics/melissa/") == CARD_TAGS
    assert card_tags(client, "/tags/noir/") == {
        headline: CARD_TAGS[headline] for headline in ["Own tags", "Film tags"]
    }


def test_review_cards_on_a_later_page_show_their_tags_the_same_way(
    client, tagged_cards, monkeypatch
):
    monkeypatch.setattr(ReviewListView, "paginate_by", 1)
    monkeypatch.setattr(TagDetailView, "paginate_by", 1)

    assert card_tags(client, "/", page=2) == {"Film tags": CARD_TAGS["Film tags"]}
    assert card_tags(client, "/tags/noir/", page=2) == {"Film tags": CARD_TAGS["Film tags"]}


def test_feed_items_carry_all_the_tags_their_card_shows_in_the_same_order(client, tagged_cards):
    for url in ["/feeds/reviews/rss/", "/critics/melissa/feed/rss/", "/tags/noir/feed/rss/"]:
        root = ET.fromstring(client.get(url).content)  # noqa: S314 (our own response)
        categories = {
            item.findtext("title").split(" — ")[0]: [c.text for c in item.findall("category")]
            for item in root.iter("item")
        }
        assert categories["Own tags"] == ["western", "noir", "drama", "heist", "comedy", "satire"]
        assert categories["Film tags"] == ["noir", "dystopia"]
        assert categories.get("No tags", []) == []


def test_tag_page_lists_reviews_tagged_directly_or_through_their_film_newest_first_once(
    client, make_film, make_review
):
    noir_film, other_film = make_film(title="Brick"), make_film(title="Amélie")
    noir_film.tags.add("noir")
    make_review(film=noir_film, headline="Through the film", publish_at=hours_ago(3))
    own_tags = make_review(film=noir_film, headline="Own other tag", publish_at=hours_ago(2))
    own_tags.tags.add("heist")
    make_review(film=other_film, headline="Tagged itself", publish_at=hours_ago(1)).tags.add("noir")
    both = make_review(film=noir_film, headline="Both ways", publish_at=hours_ago(4))
    both.tags.add("noir")
    make_review(film=noir_film, headline="A draft", status=Review.Status.DRAFT)
    make_review(film=other_film, headline="Another tag").tags.add("heist")

    assert card_headlines(client, "/tags/noir/") == [
        "Tagged itself",
        "Own other tag",
        "Through the film",
        "Both ways",
    ]
    assert card_headlines(client, "/tags/heist/") == ["Another tag", "Own other tag"]


def test_tag_page_pages_through_reviews_tagged_through_their_film(
    client, make_film, make_review, monkeypatch
):
    monkeypatch.setattr(TagDetailView, "paginate_by", 2)
    film = make_film()
    film.tags.add("noir")
    for n in range(5):
        make_review(film=film, headline=f"Review {n}", publish_at=hours_ago(n + 1))

    second = client.get("/tags/noir/", {"page": 2}).text

    assert card_headlines(client, "/tags/noir/", page=2) == ["Review 2", "Review 3"]
    assert "<span>Page 2 of 3</span>" in second


def test_a_tag_on_many_items_lists_its_newest_reviews_the_same_way_page_by_page(
    client, make_film, make_review, monkeypatch
):
    monkeypatch.setattr(TagDetailView, "paginate_by", 2)
    monkeypatch.setattr(ListingPaginator, "max_pages", 2)
    monkeypatch.setattr(models, "COMMON_TAG_ITEMS", -1)  # every tag is common
    film = make_film()
    film.tags.add("noir")
    for n in range(5):
        review = make_review(film=film, headline=f"Review {n}", publish_at=hours_ago(n + 1))
    review.tags.add("noir")

    last = client.get("/tags/noir/", {"page": 2}).text

    assert card_headlines(client, "/tags/noir/") == ["Review 0", "Review 1"]
    assert card_headlines(client, "/tags/noir/", page=2) == ["Review 2", "Review 3"]
    assert "Older reviews are not listed page by page" in last


def test_a_tags_reviews_read_either_way_are_the_same_in_the_same_order(make_film, make_review):
    films = [make_film() for _ in range(3)]
    films[0].tags.add("noir")
    films[1].tags.add("noir", "heist")
    for n in range(12):
        review = make_review(film=films[n % 3], publish_at=hours_ago(n % 5))
        if n % 4 == 0:
            review.tags.add("noir")
    make_review(film=films[0], status=Review.Status.DRAFT)
    noir = Tag.objects.get(name="noir")

    gathered = list(Review.objects.published().tagged(noir))
    walked = list(Review.objects.published().tagged(noir, many=True))

    assert gathered == walked
    assert len(gathered) == 8 + 1  # the reviews of the two noir films, and one of the third


def test_films_list_shows_each_films_published_reviews_and_average_rating(
    client, make_film, make_review
):
    rated = make_film(title="Alphaville")
    make_review(film=rated, rating_value=Decimal("3"), rating_best=4)  # 75
    make_review(film=rated, rating_value=Decimal("4.5"), rating_best=5, rating_step="0.5")  # 90
    make_review(film=rated)
    make_review(film=rated, rating_value=Decimal("0"), rating_best=4, status=Review.Status.DRAFT)
    make_review(film=make_film(title="Brick"))
    make_review(film=make_film(title="Chinatown"), status=Review.Status.DRAFT)

    html = client.get("/films/").text
    rows = re.findall(r'<tr>\s*<th scope="row">.*?</tr>', html, re.S)
    cells = [re.sub(r"<[^>]+>", "", row).split() for row in rows]

    assert cells == [
        ["Alphaville", "2010", "3", "83/100", "from", "2", "rated"],
        ["Brick", "2010", "1", "not", "rated"],
    ]


def test_films_list_is_read_in_title_order_from_an_index(make_film, make_review):
    for n in range(30):
        make_review(film=make_film(title=f"Film {n:02}"))

    plan = query_plan(Film.objects.reviewed().order_by("title", "year")[:30])

    assert "film_title_order" in plan, plan
    assert not re.search(r"\bSort\b|TEMP B-TREE FOR ORDER BY", plan), plan
