"""Queries compiled once (core/prepared.py): the same rows as the queryset, for any value,
read afresh on every call."""

import datetime

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from core.prepared import PreparedQuery
from reviews.models import Review
from tests.factories import create_film, create_review

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2010, 9, 15, 20, 0, tzinfo=datetime.UTC)


def reviews_of(film_pk):
    return (
        Review.objects.filter(film=film_pk)
        .order_by("headline")
        .values_list("headline", "publish_at", "review_date")
    )


def test_the_rows_are_the_querysets_for_each_value_converted_as_django_would():
    never_let_me_go, drive = create_film(), create_film()
    create_review(film=never_let_me_go, headline="Quiet", publish_at=WHEN, review_date=WHEN.date())
    create_review(film=never_let_me_go, headline="Aching", publish_at=None)
    create_review(film=drive, headline="Neon", publish_at=WHEN)
    prepared = PreparedQuery(reviews_of)

    assert prepared(never_let_me_go.pk) == list(reviews_of(never_let_me_go.pk))
    assert prepared(drive.pk) == list(reviews_of(drive.pk))
    headline, published, _ = prepared(drive.pk)[0]
    assert (headline, published) == ("Neon", WHEN)  # an aware datetime, as the ORM gives


def test_it_is_built_once_and_reads_the_database_on_every_call():
    film = create_film()
    built = []
    prepared = PreparedQuery(lambda film_pk: built.append(film_pk) or reviews_of(film_pk))

    assert prepared(film.pk) == []
    create_review(film=film, headline="Written since")
    with CaptureQueriesContext(connection) as queries:
        rows = prepared(film.pk)

    assert [headline for headline, *_ in rows] == ["Written since"]
    assert len(queries) == 1
    assert len(built) == 1


def test_a_value_may_stand_in_several_places():
    film = create_film()
    create_review(film=film, headline="Once")

    def twice(film_pk):
        first = Review.objects.filter(film=film_pk).order_by().annotate(kind=Value(1))
        second = Review.objects.filter(film=film_pk).order_by().annotate(kind=Value(2))
        both = first.values_list("headline", "kind").union(
            second.values_list("headline", "kind"), all=True
        )
        return both.order_by("kind")

    assert PreparedQuery(twice)(film.pk) == [("Once", 1), ("Once", 2)]


def test_a_query_that_does_not_take_its_value_is_refused():
    prepared = PreparedQuery(lambda film_pk: Review.objects.values_list("headline"))

    with pytest.raises(ValueError, match="not a parameter of its SQL"):
        prepared(1)


def test_a_time_is_a_value_too():
    film = create_film()
    create_review(film=film, headline="Early", publish_at=WHEN)
    create_review(film=film, headline="Later", publish_at=WHEN + datetime.timedelta(days=2))
    prepared = PreparedQuery(
        lambda film_pk, now: (
            Review.objects.filter(film=film_pk, publish_at__lte=now)
            .order_by("publish_at")
            .values_list("headline")
        )
    )

    assert prepared(film.pk, WHEN + datetime.timedelta(days=1)) == [("Early",)]
    assert prepared(film.pk, WHEN + datetime.timedelta(days=3)) == [("Early",), ("Later",)]


def test_a_value_of_another_kind_is_refused():
    prepared = PreparedQuery(lambda slug: Review.objects.filter(slug=slug).values_list("pk"))

    with pytest.raises(TypeError, match="primary keys and times"):
        prepared("never-let-me-go")
