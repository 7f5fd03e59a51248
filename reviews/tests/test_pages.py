from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Credit, Critic, Person, RelatedFilm, Review
from tests.page_tree import parse_html


@pytest.fixture
def film_with_credits(make_film):
    film = make_film(title="Never Let Me Go", year=2010, based_on="Kazuo Ishiguro’s novel")
    director = Person.objects.create(name="Mark Romanek", slug="mark-romanek")
    star = Person.objects.create(name="Carey Mulligan", slug="carey-mulligan")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    Credit.objects.create(film=film, person=star, role=Credit.Role.CAST, character="Kathy")
    return film


def test_home_lists_published_reviews_but_not_drafts_or_scheduled(client, make_review):
    make_review(headline="Quietly devastating")
    make_review(headline="Still a draft", status=Review.Status.DRAFT)
    make_review(
        headline="Coming next week",
        status=Review.Status.SCHEDULED,
        publish_at=timezone.now() + timedelta(days=7),
    )
    response = client.get(reverse("reviews:home"))
    assert [review.headline for review in response.context["reviews"]] == ["Quietly devastating"]
    assert "Still a draft" not in response.text
    assert "Coming next week" not in response.text


def test_a_scheduled_review_appears_once_its_time_has_come(client, make_review):
    make_review(
        headline="Yesterday's schedule",
        status=Review.Status.SCHEDULED,
        publish_at=timezone.now() - timedelta(hours=1),
    )
    assert "Yesterday&#x27;s schedule" in client.get(reverse("reviews:home")).text


def test_home_cards_show_film_byline_rating_and_excerpt(client, make_review, film_with_credits):
    make_review(
        film=film_with_credits,
        byline="Melissa",
        body="The film does several things well.\n\n## More",
        rating_value=Decimal("3"),
        rating_best=4,
    )
    make_review(film=film_with_credits, headline="Unsigned")
    response = client.get(reverse("reviews:home"))
    assert "Never Let Me Go" in response.text
    assert "By Melissa" in response.text
    assert "Byline unknown" in response.text
    assert 'aria-label="3 out of 4 stars"' in response.text
    assert "The film does several things well." in response.text


def test_home_page_query_count_does_not_grow_with_reviews(
    client, make_review, django_assert_max_num_queries
):
    for n in range(15):
        review = make_review(rating_value=Decimal("3"), rating_best=4)
        review.tags.add(f"tag {n}", "drama")
    client.get(reverse("reviews:home"))  # finds the list's pages once, into the cache
    # the list's keys' versions and its pages, from the cache (a table on SQLite); the page
    # of reviews, their tags, their films' tags, the most used tags
    with django_assert_max_num_queries(6):
        client.get(reverse("reviews:home"))


def test_review_page_shows_body_rating_and_film_panel(client, make_review, film_with_credits):
    review = make_review(
        film=film_with_credits,
        headline="A Gentle Elegy",
        tagline="Love is the only thing they are allowed to own.",
        body="Opening.\n\n## A World Almost Like Our Own\n\nText.\n\n## Hailsham\n\nMore.",
        rating_value=Decimal("4.5"),
        rating_best=5,
        rating_step="0.5",
    )
    review.pull_quotes.create(text="We had the Gallery in order to see if you had souls at all.")
    review.further_reading.create(title="Roger Ebert review", position=1)
    response = client.get(review.get_absolute_url())
    html = response.text
    assert '<h1 class="review__headline">A Gentle Elegy</h1>' in html
    assert "“Love is the only thing they are allowed to own.”" in html
    assert '<h2 id="hailsham">Hailsham</h2>' in html
    assert '<a href="#a-world-almost-like-our-own">A World Almost Like Our Own</a>' in html
    assert 'aria-label="4.5 out of 5 stars"' in html
    assert html.count("star--half") == 1
    assert "date unknown" in html
    assert "Byline unknown" in html
    assert "We had the Gallery" in html
    assert "<li>Roger Ebert review</li>" in html
    assert 'href="/people/mark-romanek/">Mark Romanek</a>' in html
    assert "as Kathy" in html
    assert "Kazuo Ishiguro’s novel" in html


def test_review_page_lists_related_films_in_the_editors_order(
    client, make_review, make_film, film_with_credits
):
    review = make_review(film=film_with_credits)
    for position, (title, year) in enumerate([("The Fountain", 2006), ("Moon", 2009)], start=1):
        related = make_film(title=title, year=year)
        RelatedFilm.objects.create(film=film_with_credits, related=related, position=position)
    html = client.get(review.get_absolute_url()).text
    assert html.index("The Fountain") < html.index('Moon</a> <span class="year">(2009)')


def test_review_page_shows_the_newest_other_reviews_of_the_film_and_links_to_all(
    client, make_review, make_film
):
    film = make_film(title="Solaris", year=1972)
    now = timezone.now()
    review = make_review(film=film, headline="The one being read", publish_at=now)
    for days in range(1, 6):
        make_review(
            film=film, headline=f"Written {days} days ago", publish_at=now - timedelta(days)
        )

    html = client.get(review.get_absolute_url()).text
    assert "Written 1 days ago" in html and "Written 5 days ago" in html
    assert "All the reviews of Solaris" not in html

    for days in range(6, 9):
        make_review(
            film=film, headline=f"Written {days} days ago", publish_at=now - timedelta(days)
        )
    html = client.get(review.get_absolute_url()).text
    shown = [f"Written {days} days ago" in html for days in range(1, 9)]
    assert shown == [True] * 6 + [False] * 2
    assert f'<a href="{film.get_absolute_url()}">All the reviews of Solaris</a>' in html


def test_drafts_are_not_found_by_visitors_but_staff_can_preview(client, make_review, admin_user):
    draft = make_review(headline="Work in progress", status=Review.Status.DRAFT)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 404
    assert "This page is not here" in response.text
    client.force_login(admin_user)
    preview = client.get(draft.get_absolute_url())
    assert "Work in progress" in preview.text
    assert "Preview: this review is draft" in preview.text


def test_film_page_shows_reviews_aggregate_and_credits(client, make_review, film_with_credits):
    make_review(
        film=film_with_credits, headline="Three stars", rating_value=Decimal("3"), rating_best=4
    )
    make_review(film=film_with_credits, headline="Hidden", status=Review.Status.DRAFT)
    film_with_credits.tags.add("dystopia")
    html = client.get(film_with_credits.get_absolute_url()).text
    assert "Three stars" in html
    assert "Hidden" not in html
    average = (
        '<strong><span class="rating" role="img" aria-label="75 out of 100">'
        '<span class="rating__score" aria-hidden="true">75/100</span></span></strong>'
    )
    assert f"{average} from 1 rated review." in html
    assert 'href="/tags/dystopia/">dystopia</a>' in html
    assert "Director" in html and "Mark Romanek" in html


def test_person_page_lists_films_by_role(client, film_with_credits):
    html = client.get(reverse("reviews:person", args=["carey-mulligan"])).text
    assert "Never Let Me Go</a>" in html
    assert '<h2 id="role-1">Cast</h2>' in html
    assert "as Kathy" in html


def test_tag_page_lists_tagged_reviews_and_films(client, make_review, film_with_credits):
    review = make_review(headline="Tagged review")
    review.tags.add("cloning")
    film_with_credits.tags.add("cloning")
    make_review(headline="Untagged review")
    html = client.get(reverse("reviews:tag", args=["cloning"])).text
    assert "Tagged review" in html
    assert "Untagged review" not in html
    assert "Never Let Me Go</a>" in html


def test_unknown_pages_get_the_sites_404(client, db):
    response = client.get("/reviews/no-such-review/")
    assert response.status_code == 404
    assert "This page is not here" in response.text


def test_tags_in_any_language_have_working_pages(client, make_review):
    review = make_review(headline="Paris at night")
    review.tags.add("café society", "映画")
    home = client.get(reverse("reviews:home")).text
    assert "café society" in home
    for tag in review.tags.all():
        page = client.get(reverse("reviews:tag", args=[tag.slug]))
        assert page.status_code == 200
        assert "Paris at night" in page.text


def test_the_films_index_pages_through_titles_as_previous_and_next(client, make_review, make_film):
    for n in range(31):
        make_review(film=make_film(title=f"Film {n:02}"))
    first = client.get(reverse("reviews:films")).text
    second = client.get(reverse("reviews:films"), {"page": 2}).text
    assert 'rel="next" href="?page=2">Next →</a>' in first
    assert "Older" not in first and "Newer" not in second
    assert 'rel="prev" href="?page=1">← Previous</a>' in second


def test_review_page_lists_the_films_other_reviews_with_byline_rating_and_excerpt(
    client, make_film, make_review
):
    film = make_film(title="Ran")
    kael = Critic.objects.create(name="Pauline Kael", slug="pauline-kael")
    now = timezone.now()
    make_review(
        film=film,
        headline="A king undone",
        critic=kael,
        publication_name="The New Yorker",
        rating_value=Decimal("4"),
        rating_best=5,
        dek="Lear, in colour.",
        publish_at=now - timedelta(days=1),
    )
    make_review(
        film=film,
        headline="Storm and fire",
        byline="A reader",
        body="## Heading\n\nThe castle burns for ten minutes.",
        publish_at=now - timedelta(days=2),
    )
    make_review(film=film, headline="Unsigned", body="Quiet.", publish_at=now - timedelta(days=3))
    review = make_review(film=film, headline="This one", publish_at=now)

    page = parse_html(client.get(review.get_absolute_url()).text)
    lines = page.find("section", class_="more").find_all("li", class_="review-line")

    shown = [
        (
            line.find("a", class_="review-line__headline").text,
            line.find("a", class_="review-line__headline").attrs["href"],
            " ".join(line.find("span", class_="byline").text.split()),
            line.find("p", class_="review-line__excerpt").text,
        )
        for line in lines
    ]
    assert shown == [
        (
            "A king undone",
            Review.objects.get(headline="A king undone").get_absolute_url(),
            "Pauline Kael · The New Yorker",
            "Lear, in colour.",
        ),
        (
            "Storm and fire",
            Review.objects.get(headline="Storm and fire").get_absolute_url(),
            "A reader",
            "The castle burns for ten minutes.",
        ),
        (
            "Unsigned",
            Review.objects.get(headline="Unsigned").get_absolute_url(),
            "Byline unknown",
            "Quiet.",
        ),
    ]
    assert (
        lines[0].find("span", class_="byline").find("a").attrs["href"] == "/critics/pauline-kael/"
    )
    assert lines[0].find(class_="rating").attrs["aria-label"] == "4 out of 5 stars"
    assert lines[1].find(class_="rating") is None
