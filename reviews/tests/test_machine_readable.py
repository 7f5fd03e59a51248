"""What machines read: feeds, sitemap.xml, robots.txt, JSON-LD, social cards, canonical URLs."""

import datetime
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from html import escape
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reviews import models
from reviews.models import Credit, Critic, Person, Review
from tests.factories import image_upload

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOST = "http://testserver"


class PageParser(HTMLParser):
    """A page's <link> and <meta> elements, and its <script> elements as a browser splits them."""

    def __init__(self, text):
        super().__init__()
        self.links, self.meta, self.scripts = [], {}, []
        self._script = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "meta" and (key := attrs.get("property") or attrs.get("name")):
            self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "script":
            self._script = {"type": attrs.get("type"), "text": ""}

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None

    def first(self, key):
        return self.meta[key][0]

    def canonical(self):
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]

    def feeds(self):
        return [
            (link["type"], link["href"]) for link in self.links if link.get("rel") == "alternate"
        ]

    def json_ld(self):
        blocks = [s["text"] for s in self.scripts if s["type"] == "application/ld+json"]
        assert len(blocks) == 1
        return json.loads(blocks[0])


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return PageParser(response.text)


def xml_root(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 (our own response, not untrusted XML)


def rss_titles(root):
    return [item.findtext("title") for item in root.iter("item")]


def atom_titles(root):
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def film(make_film):
    film = make_film(title="Never Let Me Go", year=2010, slug="never-let-me-go")
    director = Person.objects.create(name="Mark Romanek", slug="mark-romanek")
    star = Person.objects.create(name="Carey Mulligan", slug="carey-mulligan")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    Credit.objects.create(film=film, person=star, role=Credit.Role.CAST, character="Kathy")
    return film


@pytest.fixture
def unpublished(make_review):
    """A draft and a review scheduled for next week, which no machine may see yet."""
    return [
        make_review(headline="Still a draft", status=Review.Status.DRAFT),
        make_review(
            headline="Coming next week",
            status=Review.Status.SCHEDULED,
            publish_at=timezone.now() + timedelta(days=7),
        ),
    ]


# Feeds


def test_site_feeds_list_published_reviews_newest_first_in_rss_and_atom(
    client, make_review, make_film, unpublished
):
    older_film = make_film(title="Moon", year=2009)
    make_review(headline="Older", film=older_film, publish_at=hours_ago(5))
    make_review(headline="Newer", film=older_film, publish_at=hours_ago(1))
    make_review(
        headline="Was scheduled, now out",
        film=older_film,
        status=Review.Status.SCHEDULED,
        publish_at=hours_ago(3),
    )
    expected = [
        "Newer — Moon (2009)",
        "Was scheduled, now out — Moon (2009)",
        "Older — Moon (2009)",
    ]

    rss = xml_root(client, reverse("reviews:feed_rss"))
    assert (rss.tag, rss.get("version")) == ("rss", "2.0")
    assert rss_titles(rss) == expected

    atom = xml_root(client, reverse("reviews:feed_atom"))
    assert atom.tag == f"{ATOM}feed"
    assert atom_titles(atom) == expected


def test_feed_items_carry_link_escaped_excerpt_date_author_and_tags(client, make_review, film):
    review = make_review(
        film=film,
        headline="A Gentle Elegy",
        byline="Melissa",
        dek="Quiet & <em>devastating</em>.",
        body="## The full review\n\nNot in the feed.",
        publish_at=hours_ago(2),
    )
    review.tags.add("dystopia", "romance")

    item = xml_root(client, reverse("reviews:feed_rss")).find("channel/item")
    assert item.findtext("link") == f"{HOST}{review.get_absolute_url()}"
    # The description is HTML; the dek is text, so it arrives escaped, and the body not at all.
    assert item.findtext("description") == escape("Quiet & <em>devastating</em>.")
    assert parsedate_to_datetime(item.findtext("pubDate")) == review.publish_at.replace(
        microsecond=0
    )
    assert item.findtext(f"{DC}creator") == "Melissa"
    assert sorted(category.text for category in item.findall("category")) == [
        "dystopia",
        "romance",
    ]

    entry = xml_root(client, reverse("reviews:feed_atom")).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == f"{HOST}{review.get_absolute_url()}"
    assert entry.find(f"{ATOM}summary").get("type") == "html"
    assert entry.findtext(f"{ATOM}summary") == escape("Quiet & <em>devastating</em>.")
    assert datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == (
        review.publish_at
    )
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Melissa"
    assert sorted(c.get("term") for c in entry.findall(f"{ATOM}category")) == [
        "dystopia",
        "romance",
    ]


def test_feed_items_without_a_byline_have_no_author(client, make_review):
    make_review(byline="")
    item = xml_root(client, reverse("reviews:feed_rss")).find("channel/item")
    assert item.find(f"{DC}creator") is None
    assert item.find("author") is None
    entry = xml_root(client, reverse("reviews:feed_atom")).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}author") is None


def test_rss_titles_are_escaped_html_and_atom_titles_plain_text(client, make_review, make_film):
    make_review(headline="Cats & <Dogs>", film=make_film(title="Pets", year=2016))
    rss = xml_root(client, reverse("reviews:feed_rss"))
    assert rss_titles(rss) == ["Cats &amp; &lt;Dogs&gt; — Pets (2016)"]
    atom = xml_root(client, reverse("reviews:feed_atom"))
    assert atom_titles(atom) == ["Cats & <Dogs> — Pets (2016)"]


def test_site_feed_holds_the_twenty_latest_reviews(client, make_review, make_film):
    film = make_film(title="Moon", year=2009)
    for n in range(22):
        make_review(headline=f"Review {n:02}", film=film, publish_at=hours_ago(n + 1))
    titles = rss_titles(xml_root(client, reverse("reviews:feed_rss")))
    assert titles == [f"Review {n:02} — Moon (2009)" for n in range(20)]


def test_tag_feeds_list_only_published_reviews_with_that_tag(
    client, make_review, make_film, unpublished
):
    film = make_film(title="Moon", year=2009)
    tagged = make_review(headline="Tagged", film=film)
    make_review(headline="Other tag", film=film).tags.add("comedy")
    tagged.tags.add("Dystopia")
    for draft in unpublished:
        draft.tags.add("Dystopia")

    for name, titles in (
        ("reviews:tag_feed_rss", rss_titles),
        ("reviews:tag_feed_atom", atom_titles),
    ):
        root = xml_root(client, reverse(name, kwargs={"slug": "dystopia"}))
        assert titles(root) == ["Tagged — Moon (2009)"]


@pytest.mark.parametrize("common_tag_items", [500, -1], ids=["few", "many"])
def test_tag_feeds_hold_the_reviews_tagged_through_their_film_with_the_tag_as_category(
    client, make_review, make_film, monkeypatch, common_tag_items
):
    monkeypatch.setattr(models, "COMMON_TAG_ITEMS", common_tag_items)
    tagged_film = make_film(title="Moon", year=2009)
    tagged_film.tags.add("Dystopia")
    make_review(headline="Of a tagged film", film=tagged_film, publish_at=hours_ago(2))
    make_review(headline="Tagged itself", publish_at=hours_ago(1)).tags.add("Dystopia")
    make_review(headline="A draft", film=tagged_film, status=Review.Status.DRAFT)

    url = reverse("reviews:tag_feed_rss", kwargs={"slug": "dystopia"})
    rss = xml_root(client, url)
    atom = xml_root(client, reverse("reviews:tag_feed_atom", kwargs={"slug": "dystopia"}))

    assert [title.split(" — ")[0] for title in rss_titles(rss)] == [
        "Tagged itself",
        "Of a tagged film",
    ]
    assert [title.split(" — ")[0] for title in atom_titles(atom)] == [
        "Tagged itself",
        "Of a tagged film",
    ]
    for item in rss.findall("channel/item"):
        assert [category.text for category in item.findall("category")] == ["Dystopia"]


def test_film_feeds_list_only_published_reviews_of_that_film(client, make_review, make_film, film):
    make_review(headline="Of this film", film=film)
    make_review(headline="A draft of this film", film=film, status=Review.Status.DRAFT)
    make_review(headline="Of another film", film=make_film())

    rss = xml_root(client, reverse("reviews:film_feed_rss", kwargs={"slug": film.slug}))
    assert rss_titles(rss) == ["Of this film — Never Let Me Go (2010)"]
    assert rss.findtext("channel/link") == f"{HOST}{film.get_absolute_url()}"
    atom = xml_root(client, reverse("reviews:film_feed_atom", kwargs={"slug": film.slug}))
    assert atom_titles(atom) == ["Of this film — Never Let Me Go (2010)"]


@pytest.mark.parametrize(
    "name", ["tag_feed_rss", "tag_feed_atom", "film_feed_rss", "film_feed_atom"]
)
def test_feeds_of_an_unknown_tag_or_film_are_not_found(client, db, name):
    response = client.get(reverse(f"reviews:{name}", kwargs={"slug": "no-such-thing"}))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "slug", "max_queries"),
    [
        ("feed_rss", None, 2),
        ("feed_atom", None, 2),
        ("tag_feed_rss", "drama", 3),
        ("tag_feed_atom", "drama", 3),
        ("film_feed_rss", "never-let-me-go", 3),
        ("film_feed_atom", "never-let-me-go", 3),
    ],
)
def test_feed_query_count_does_not_grow_with_reviews(
    client, make_review, film, django_assert_max_num_queries, name, slug, max_queries
):
    for n in range(25):
        make_review(film=film, byline=f"Critic {n}").tags.add("drama", f"tag {n}")
    url = reverse(f"reviews:{name}", kwargs={"slug": slug} if slug else {})
    client.get(url)  # content types are looked up once per process
    with django_assert_max_num_queries(max_queries):
        root = xml_root(client, url)
    assert len(list(root.iter("item")) or list(root.iter(f"{ATOM}entry"))) == 20


def test_every_page_links_the_site_feeds_in_its_head(client, make_review, film):
    review = make_review(film=film)
    site_feeds = [
        ("application/rss+xml", f"{HOST}{reverse('reviews:feed_rss')}"),
        ("application/atom+xml", f"{HOST}{reverse('reviews:feed_atom')}"),
    ]
    urls = [
        reverse("reviews:home"),
        review.get_absolute_url(),
        reverse("reviews:person", kwargs={"slug": "mark-romanek"}),
        reverse("reviews:tags"),
    ]
    for url in urls:
        assert page(client, url).feeds() == site_feeds


def test_tag_and_film_pages_also_link_their_own_feeds(client, make_review, film):
    make_review(film=film).tags.add("dystopia")
    tag_feeds = page(client, reverse("reviews:tag", kwargs={"slug": "dystopia"})).feeds()
    assert tag_feeds[2:] == [
        ("application/rss+xml", f"{HOST}/tags/dystopia/feed/rss/"),
        ("application/atom+xml", f"{HOST}/tags/dystopia/feed/atom/"),
    ]
    film_feeds = page(client, film.get_absolute_url()).feeds()
    assert film_feeds[2:] == [
        ("application/rss+xml", f"{HOST}/films/never-let-me-go/feed/rss/"),
        ("application/atom+xml", f"{HOST}/films/never-let-me-go/feed/atom/"),
    ]
    for href in [href for _, href in tag_feeds + film_feeds]:
        assert client.get(href).status_code == 200


# sitemap.xml and robots.txt


def sitemap_entries(client):
    root = xml_root(client, "/sitemap.xml")
    return {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
    }


def test_sitemap_lists_index_pages_published_reviews_films_tags_and_people(
    client, make_review, film, unpublished
):
    review = make_review(film=film)
    review.tags.add("dystopia")
    film.tags.add("romance")
    unpublished[0].tags.add("only on a draft")

    entries = sitemap_entries(client)
    assert entries[f"{HOST}{review.get_absolute_url()}"] == review.updated_at.date().isoformat()
    assert entries[f"{HOST}{film.get_absolute_url()}"] == film.updated_at.date().isoformat()
    assert set(entries) == {
        f"{HOST}/",
        f"{HOST}/films/",
        f"{HOST}/critics/",
        f"{HOST}/tags/",
        f"{HOST}{review.get_absolute_url()}",
        f"{HOST}{film.get_absolute_url()}",
        f"{HOST}{unpublished[0].film.get_absolute_url()}",
        f"{HOST}{unpublished[1].film.get_absolute_url()}",
        f"{HOST}/tags/dystopia/",
        f"{HOST}/tags/romance/",
        f"{HOST}/people/carey-mulligan/",
        f"{HOST}/people/mark-romanek/",
    }


def test_sitemap_query_count_does_not_grow_with_content(
    client, make_review, make_film, django_assert_max_num_queries
):
    for n in range(20):
        film = make_film()
        make_review(film=film).tags.add(f"tag {n}")
        film.tags.add("drama")
        Person.objects.create(name=f"Person {n}", slug=f"person-{n}")
        Critic.objects.create(name=f"Critic {n}", slug=f"critic-{n}")
    client.get("/sitemap.xml")  # content types are looked up once per process
    with django_assert_max_num_queries(10):
        entries = sitemap_entries(client)
    assert len(entries) == 4 + 20 + 20 + 21 + 20 + 20


def test_robots_txt_allows_all_but_the_admin_and_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = [line.strip() for line in response.text.splitlines() if line.strip()]
    assert lines == ["User-agent: *", "Disallow: /admin/", f"Sitemap: {HOST}/sitemap.xml"]


# JSON-LD


def test_review_page_describes_a_review_of_a_movie_in_json_ld(client, make_review, film):
    review = make_review(
        film=film,
        headline="A Gentle Elegy",
        byline="Melissa",
        publication_name="Film Journal",
        publication_url="https://journal.example/",
        review_date=datetime.date(2010, 9, 17),
        dek="Love is the only thing they are allowed to own.",
        rating_value=Decimal("3"),
        rating_best=4,
    )
    data = page(client, review.get_absolute_url()).json_ld()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Review"
    assert data["name"] == "A Gentle Elegy"
    assert data["url"] == f"{HOST}{review.get_absolute_url()}"
    assert data["itemReviewed"]["@type"] == "Movie"
    assert data["itemReviewed"]["name"] == "Never Let Me Go"
    assert data["itemReviewed"]["dateCreated"] == "2010"
    assert [d["name"] for d in data["itemReviewed"]["director"]] == ["Mark Romanek"]
    assert data["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 3,
        "bestRating": 4,
        "worstRating": 0,
    }
    assert data["author"] == {"@type": "Person", "name": "Melissa"}
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Film Journal",
        "url": "https://journal.example/",
    }
    assert data["datePublished"] == "2010-09-17"


def test_json_ld_leaves_out_what_is_not_known(client, make_review, settings):
    settings.SITE_NAME = "Long Take"
    review = make_review(byline="", review_date=None, publication_name="")
    data = page(client, review.get_absolute_url()).json_ld()
    assert "author" not in data
    assert "datePublished" not in data
    assert "reviewRating" not in data
    assert "director" not in data["itemReviewed"]
    assert data["publisher"] == {"@type": "Organization", "name": "Long Take", "url": f"{HOST}/"}


def test_half_star_rating_value_is_a_json_number(client, make_review):
    review = make_review(rating_value=Decimal("4.5"), rating_best=5, rating_step="0.5")
    data = page(client, review.get_absolute_url()).json_ld()
    assert data["reviewRating"]["ratingValue"] == 4.5


def test_a_rating_out_of_100_is_described_on_its_own_scale(client, make_review):
    review = make_review(rating_value=Decimal("72"), rating_best=100)
    data = page(client, review.get_absolute_url()).json_ld()
    assert data["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 72,
        "bestRating": 100,
        "worstRating": 0,
    }


def test_a_headline_cannot_break_out_of_the_json_ld_script(client, make_review):
    headline = "Bad </script><script>alert(1)</script> & <!-- news"
    review = make_review(headline=headline, byline="</script><script>alert(2)</script>")
    response = client.get(review.get_absolute_url())
    parsed = PageParser(response.text)
    assert [script["type"] for script in parsed.scripts] == ["application/ld+json"]
    assert "<script>alert" not in response.text
    data = parsed.json_ld()
    assert data["name"] == headline
    assert data["author"]["name"] == "</script><script>alert(2)</script>"


def test_film_page_gives_a_movie_with_its_average_rating(client, make_review, film):
    make_review(film=film, rating_value=Decimal("3"), rating_best=4)
    make_review(film=film, rating_value=Decimal("4"), rating_best=5)
    make_review(film=film)
    make_review(film=film, status=Review.Status.DRAFT, rating_value=Decimal("0"), rating_best=4)
    data = page(client, film.get_absolute_url()).json_ld()
    assert data["@type"] == "Movie"
    assert data["name"] == "Never Let Me Go"
    assert data["dateCreated"] == "2010"
    assert [d["name"] for d in data["director"]] == ["Mark Romanek"]
    assert [a["name"] for a in data["actor"]] == ["Carey Mulligan"]
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 77.5,
        "bestRating": 100,
        "worstRating": 0,
        "ratingCount": 2,
    }


def test_film_page_movie_has_no_aggregate_rating_without_rated_reviews(client, make_review, film):
    make_review(film=film)
    make_review(film=film, status=Review.Status.DRAFT, rating_value=Decimal("3"), rating_best=4)
    data = page(client, film.get_absolute_url()).json_ld()
    assert data["@type"] == "Movie"
    assert "aggregateRating" not in data


# Open Graph, Twitter cards, canonical URLs, descriptions


def test_review_page_has_an_article_card_and_a_canonical_url(client, make_review, film):
    review = make_review(
        film=film,
        headline="A Gentle Elegy",
        dek="Love is the only thing they are allowed to own.",
        review_date=datetime.date(2010, 9, 17),
    )
    review.tags.add("dystopia")
    head = page(client, f"{review.get_absolute_url()}?utm_source=newsletter")
    url = f"{HOST}{review.get_absolute_url()}"
    assert head.canonical() == [url]
    assert head.first("og:url") == url
    assert head.first("og:type") == "article"
    assert head.first("og:title") == "A Gentle Elegy"
    assert head.first("og:description") == "Love is the only thing they are allowed to own."
    assert head.first("description") == "Love is the only thing they are allowed to own."
    assert head.first("og:site_name")
    assert head.first("article:published_time") == "2010-09-17"
    assert head.meta["article:tag"] == ["dystopia"]
    assert head.first("twitter:card") == "summary"
    assert "og:image" not in head.meta


def test_a_review_with_a_hero_image_has_a_large_image_card(client, make_review):
    review = make_review(
        hero_image=image_upload(size=(400, 300)), hero_alt="Two figures on a beach"
    )
    head = page(client, review.get_absolute_url())
    assert head.first("og:image") == f"{HOST}{review.hero_image.url}"
    assert head.first("og:image:width") == "400"
    assert head.first("og:image:height") == "300"
    assert head.first("og:image:alt") == "Two figures on a beach"
    assert head.first("twitter:card") == "summary_large_image"
    assert page(client, review.get_absolute_url()).json_ld()["image"]["url"] == (
        f"{HOST}{review.hero_image.url}"
    )


def test_a_review_without_its_own_image_shows_the_film_poster(client, make_review, make_film):
    film = make_film(title="Moon", year=2009, poster=image_upload(size=(300, 450)))
    head = page(client, make_review(film=film).get_absolute_url())
    assert head.first("og:image") == f"{HOST}{film.poster.url}"
    assert head.first("og:image:alt") == "Poster for Moon"


def test_film_person_and_tag_pages_have_cards_and_canonical_urls(client, make_review, film):
    make_review(film=film).tags.add("dystopia")
    cases = [
        (film.get_absolute_url(), "video.movie", "Never Let Me Go (2010)"),
        ("/people/mark-romanek/", "website", "Mark Romanek"),
        ("/tags/dystopia/", "website", "Tagged “dystopia”"),
        ("/tags/", "website", "All tags"),
        ("/films/", "website", "Films reviewed"),
        ("/", "website", "Long Take"),
    ]
    for path, og_type, title in cases:
        head = page(client, path)
        assert head.canonical() == [f"{HOST}{path}"]
        assert head.first("og:url") == f"{HOST}{path}"
        assert head.first("og:type") == og_type
        assert head.first("og:title") == title
        assert head.first("twitter:card") == "summary"


def test_list_canonical_url_keeps_the_page_number_and_drops_tracking(
    client, make_review, make_film
):
    film = make_film()
    for _ in range(13):
        make_review(film=film)
    second = page(client, "/?page=2&utm_source=feed&fbclid=abc")
    assert second.canonical() == [f"{HOST}/?page=2"]
    first = page(client, "/?page=1&utm_source=feed")
    assert first.canonical() == [f"{HOST}/"]


def test_every_page_has_a_meta_description(client, make_review, film):
    review = make_review(film=film, dek="")
    review.tags.add("dystopia")
    urls = [
        "/",
        review.get_absolute_url(),
        film.get_absolute_url(),
        "/people/mark-romanek/",
        "/tags/",
        "/tags/dystopia/",
        "/films/",
        "/search/?q=gentle",
    ]
    for url in urls:
        descriptions = page(client, url).meta["description"]
        assert len(descriptions) == 1
        assert descriptions[0].strip()
    not_found = PageParser(client.get("/no-such-page/").text)
    assert not_found.meta["description"][0].strip()
    assert not_found.canonical() == []


def test_base_template_renders_without_a_request_for_error_pages(db):
    html = render_to_string("base.html", {"site_name": "Long Take"})
    head = PageParser(html)
    assert head.first("description")
    assert head.feeds()[0] == ("application/rss+xml", reverse("reviews:feed_rss"))
