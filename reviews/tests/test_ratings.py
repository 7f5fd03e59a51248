from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.models import Film, Review
from reviews.ratings import Rating


@pytest.mark.parametrize(
    ("value", "best", "words", "stars"),
    [
        ("3", 4, "3 out of 4 stars", ["full", "full", "full", "empty"]),
        ("4.5", 5, "4.5 out of 5 stars", ["full"] * 4 + ["half"]),
        ("8", 10, "8 out of 10 stars", ["full"] * 8 + ["empty"] * 2),
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
