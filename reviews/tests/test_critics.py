"""Critics as people: a page and feeds of their published reviews, bylines that link to
it, JSON-LD that names them, and the editors' admin for them. Free-text bylines (imported
reviews, unknown authors) are shown as they always were."""

import importlib
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from reviews.models import Critic, Review
from tests.factories import image_bytes, image_upload, management_form, upload
from tests.page_tree import parse_html

HOST = "http://testserver"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def critic(db):
    critic = Critic.objects.create(
        name="Pauline Kael", slug="pauline-kael", bio="Wrote for The New Yorker.\n\nLoved trash."
    )
    critic.links.create(title="Archive", url="https://example.com/kael", position=2)
    critic.links.create(title="Website", url="https://kael.example.com/", position=1)
    return critic


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_html(response.text)


def headlines(tree):
    return [h.text for h in tree.find_all("h2", class_="card__headline")]


def xml_root(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def json_ld(client, review):
    tree = page(client, review.get_absolute_url())
    [script] = tree.find_all("script", type="application/ld+json")
    return json.loads(script.raw_text)


# The critic's page


def test_critic_page_lists_only_their_published_reviews_newest_first(client, critic, make_review):
    now = timezone.now()
    make_review(headline="Older", critic=critic, publish_at=now - timedelta(days=2))
    make_review(headline="Newer", critic=critic, publish_at=now - timedelta(days=1))
    make_review(headline="Her draft", critic=critic, status=Review.Status.DRAFT)
    make_review(
        headline="Her next one",
        critic=critic,
        status=Review.Status.SCHEDULED,
        publish_at=now + timedelta(days=1),
    )
    make_review(headline="Someone else's", byline="Pauline Kael")

    tree = page(client, critic.get_absolute_url())

    assert tree.find("h1").text == "Pauline Kael"
    assert headlines(tree) == ["Newer", "Older"]


def test_critic_page_shows_their_bio_and_links_in_order(client, critic):
    tree = page(client, critic.get_absolute_url())

    bio = tree.find("div", class_="critic__bio")
    assert [p.text for p in bio.find_all("p")] == ["Wrote for The New Yorker.", "Loved trash."]
    links = tree.find("ul", class_="critic__links").find_all("a")
    assert [(a.text, a.attrs["href"]) for a in links] == [
        ("Website", "https://kael.example.com/"),
        ("Archive", "https://example.com/kael"),
    ]
    assert tree.find("p", class_="empty").text == "No reviews by Pauline Kael yet."


def test_critic_page_shows_their_photo(client, critic):
    critic.photo = image_upload("kael.png", size=(300, 400))
    critic.save()

    tree = page(client, critic.get_absolute_url())

    img = tree.find("div", class_="critic__photo").find("img")
    assert (img.attrs["src"], img.attrs["alt"]) == (critic.photo.url, "Pauline Kael")
    assert (img.attrs["width"], img.attrs["height"]) == ("300", "400")


def test_critic_page_goes_page_by_page(client, critic, make_review):
    now = timezone.now()
    for n in range(13):
        make_review(headline=f"Review {n:02}", critic=critic, publish_at=now - timedelta(hours=n))

    first = page(client, critic.get_absolute_url())
    second = page(client, f"{critic.get_absolute_url()}?page=2")

    assert len(headlines(first)) == 12
    assert first.find("a", rel="next").attrs["href"] == "?page=2"
    assert headlines(second) == ["Review 12"]
    assert client.get(f"{critic.get_absolute_url()}?page=3").status_code == 404


def test_an_unknown_critic_is_not_found(client, db):
    assert client.get("/critics/nobody/").status_code == 404


def test_critic_page_names_its_feeds(client, critic):
    tree = page(client, critic.get_absolute_url())

    feeds = {
        link.attrs["type"]: link.attrs["href"]
        for link in tree.find_all("link", rel="alternate")
        if "Pauline Kael" in link.attrs["title"]
    }
    assert feeds == {
        "application/rss+xml": f"{HOST}/critics/pauline-kael/feed/rss/",
        "application/atom+xml": f"{HOST}/critics/pauline-kael/feed/atom/",
    }


# Feeds


def test_critic_feeds_hold_only_their_published_reviews_signed_with_their_name(
    client, critic, make_review
):
    make_review(headline="Hers", critic=critic)
    make_review(headline="Her draft", critic=critic, status=Review.Status.DRAFT)
    make_review(headline="Someone else's")

    rss = xml_root(client, reverse("reviews:critic_feed_rss", kwargs={"slug": critic.slug}))
    atom = xml_root(client, reverse("reviews:critic_feed_atom", kwargs={"slug": critic.slug}))

    [item] = rss.findall("channel/item")
    assert item.findtext("title").startswith("Hers — ")
    assert item.findtext(f"{DC}creator") == "Pauline Kael"
    assert rss.findtext("channel/title").endswith("reviews by Pauline Kael")
    [entry] = atom.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Pauline Kael"


def test_site_feed_signs_a_critics_review_with_their_name_and_free_text_as_it_is(
    client, critic, make_review
):
    make_review(headline="Hers", critic=critic, byline="P. K.")
    make_review(headline="Imported", byline="Melissa")

    rss = xml_root(client, reverse("reviews:feed_rss"))

    creators = {
        i.findtext("title").split(" — ")[0]: i.findtext(f"{DC}creator") for i in rss.iter("item")
    }
    assert creators == {"Hers": "Pauline Kael", "Imported": "Melissa"}


# Bylines


def test_byline_links_to_the_critic_on_cards_and_on_the_review_page(client, critic, make_review):
    review = make_review(headline="Hers", critic=critic, byline="P. K.")
    make_review(film=review.film, headline="A sibling")

    home = client.get("/")
    assertContains(
        home,
        '<p class="byline">By <a href="/critics/pauline-kael/" rel="author">Pauline Kael</a></p>',
        html=True,
    )
    review_page = page(client, review.get_absolute_url())
    author = review_page.find("p", class_="byline").find("a", class_="author")
    assert (author.text, author.attrs["href"]) == ("Pauline Kael", "/critics/pauline-kael/")
    # And in the list of the film's other reviews, on the sibling's page.
    sibling = Review.objects.get(headline="A sibling")
    line = page(client, sibling.get_absolute_url()).find("li", class_="review-line")
    assert line.find("span", class_="byline").find("a").attrs["href"] == "/critics/pauline-kael/"


def test_free_text_and_unknown_bylines_are_shown_as_before(client, make_review):
    signed = make_review(headline="Imported", byline="Melissa")
    make_review(headline="Unsigned", byline="")

    home = client.get("/")
    assertContains(home, '<p class="byline">By Melissa</p>', html=True)
    assertContains(home, '<p class="byline">Byline unknown</p>', html=True)
    review_page = page(client, signed.get_absolute_url())
    byline = review_page.find("p", class_="byline")
    assert byline.find("a", class_="author") is None
    assert byline.find("span", class_="author").text == "Melissa"


def test_critic_name_and_bio_are_shown_as_text_never_as_markup(client, make_review):
    critic = Critic.objects.create(
        name='<script>alert("name")</script>', slug="x", bio="<img src=x onerror=alert(1)>"
    )
    review = make_review(critic=critic)

    for url in (critic.get_absolute_url(), review.get_absolute_url(), "/"):
        response = client.get(url)
        assert "<script>alert" not in response.text
        assert "<img src=x" not in response.text
        assertContains(response, "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;")


# JSON-LD


def test_json_ld_names_the_critic_as_a_person_with_their_page(client, critic, make_review):
    review = make_review(critic=critic, byline="P. K.")

    assert json_ld(client, review)["author"] == {
        "@type": "Person",
        "name": "Pauline Kael",
        "url": f"{HOST}/critics/pauline-kael/",
    }


def test_json_ld_keeps_a_free_text_byline_as_a_person_without_a_page(client, make_review):
    signed = make_review(byline="Melissa")
    unsigned = make_review(byline="")

    assert json_ld(client, signed)["author"] == {"@type": "Person", "name": "Melissa"}
    assert "author" not in json_ld(client, unsigned)


# Search and the sitemap


def test_search_finds_a_review_by_its_critics_name(
    client, critic, make_review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_review(headline="Hers", critic=critic)
        make_review(headline="Not hers")

    tree = page(client, "/search/?q=kael")

    found = [h.text for h in tree.find("ol", class_="search-results").find_all("h3")]
    assert found == ["Hers"]


def test_sitemap_lists_the_critics_pages(client, critic):
    root = xml_root(client, "/sitemap.xml")
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"{HOST}/critics/pauline-kael/" in locations
    assert f"{HOST}/critics/" in locations


# The editors' admin


def critic_form(**fields):
    return {
        "name": "Manny Farber",
        "slug": "manny-farber",
        "bio": "",
        **management_form("links"),
        **fields,
    }


def test_editor_adds_a_critic_with_a_link(editor_client):
    data = critic_form(
        **management_form("links", total=1),
        **{
            "links-0-title": "Website",
            "links-0-url": "farber.example.com",
            "links-0-position": "0",
        },
    )

    response = editor_client.post(reverse("admin:reviews_critic_add"), data)

    assert response.status_code == 302
    critic = Critic.objects.get(slug="manny-farber")
    assert [(link.title, link.url) for link in critic.links.all()] == [
        ("Website", "https://farber.example.com")
    ]


def test_a_critics_photo_that_is_not_an_image_is_refused_on_the_field(editor_client):
    data = critic_form(photo=upload(b"<script>alert(1)</script>", name="me.png"))

    response = editor_client.post(reverse("admin:reviews_critic_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "photo": ["This file is not an image: upload a JPEG, PNG, WebP or GIF picture."]
    }
    assert not Critic.objects.exists()


def test_a_critics_photo_is_stored_without_its_metadata(editor_client):
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"
    data = critic_form(photo=upload(image_bytes("JPEG", exif=exif), name="me.jpg"))

    response = editor_client.post(reverse("admin:reviews_critic_add"), data)

    assert response.status_code == 302
    critic = Critic.objects.get()
    with critic.photo.open("rb") as stored:
        assert b"Exif" not in stored.read()


def test_editors_cannot_choose_the_account_tied_to_a_critic(editor_client, critic, editor):
    data = critic_form(name=critic.name, slug=critic.slug, user=str(editor.pk))

    response = editor_client.post(reverse("admin:reviews_critic_change", args=[critic.pk]), data)

    assert response.status_code == 302
    critic.refresh_from_db()
    assert critic.user is None


def test_review_form_finds_critics_by_name(editor_client, critic):
    Critic.objects.create(name="Roger Ebert", slug="roger-ebert")

    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "kael", "app_label": "reviews", "model_name": "review", "field_name": "critic"},
    )

    assert [r["text"] for r in response.json()["results"]] == ["Pauline Kael"]


# A database seeded before critics had records


def test_a_database_seeded_before_critics_gets_melissa_as_the_seed_does(make_review):
    migration = importlib.import_module("reviews.migrations.0017_seeded_melissa_is_a_critic")
    hers = make_review(slug="never-let-me-go-melissa", byline="Melissa")
    other = make_review(byline="Melissa")

    migration.make_melissa_a_critic(apps, None)
    migration.make_melissa_a_critic(apps, None)

    [critic] = Critic.objects.all()
    assert (critic.name, critic.slug, critic.bio) == ("Melissa", "melissa", "")
    hers.refresh_from_db()
    other.refresh_from_db()
    assert (hers.critic, other.critic) == (critic, None)
    assert hers.byline == "Melissa"


# The critics' index


def test_the_critics_index_lists_critics_with_published_reviews_by_name_with_their_count(
    client, critic, make_review
):
    farber = Critic.objects.create(name="Manny Farber", slug="manny-farber")
    Critic.objects.create(name="Andrew Sarris", slug="andrew-sarris")  # only a draft
    make_review(critic=critic)
    make_review(critic=critic)
    make_review(critic=farber)
    make_review(critic=Critic.objects.get(slug="andrew-sarris"), status=Review.Status.DRAFT)

    tree = page(client, "/critics/")

    entries = [
        (item.find("a").text, item.find("a").attrs["href"], item.find("p", class_="count").text)
        for item in tree.find_all("li", class_="critic-index__item")
    ]
    assert entries == [
        ("Manny Farber", "/critics/manny-farber/", "1 review"),
        ("Pauline Kael", "/critics/pauline-kael/", "2 reviews"),
    ]
    assert (
        tree.find("p", class_="critic-index__bio").text == "Wrote for The New Yorker. Loved trash."
    )
    site_nav = {a.text: a.attrs["href"] for a in tree.find("nav", class_="site-nav").find_all("a")}
    assert site_nav["Critics"] == "/critics/"


def test_the_critics_index_shows_names_and_bios_as_text(client, make_review):
    hostile = Critic.objects.create(
        name="<script>alert(1)</script>", slug="hostile", bio="<img src=x onerror=alert(2)>"
    )
    make_review(critic=hostile)

    response = client.get("/critics/")

    assert b"<script>alert(1)" not in response.content
    assert b"<img src=x" not in response.content
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")
