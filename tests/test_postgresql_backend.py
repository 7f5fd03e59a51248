"""The PostgreSQL backend (core/backends/postgresql): timestamps read by psycopg's loader
come back as Django's would, aware and in UTC."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from psycopg.pq import Format

from core.backends.postgresql.base import PSYCOPGS_LOADER, TIMESTAMPTZ
from reviews.models import Review
from tests.factories import create_review

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def test_a_cursor_reads_timestamps_with_psycopgs_loader():
    with connection.cursor() as cursor:
        assert cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT) is PSYCOPGS_LOADER


def test_a_timestamp_reads_back_as_written_in_utc():
    written = datetime.datetime(2010, 9, 15, 23, 30, 1, 250000, tzinfo=datetime.UTC)
    review = create_review(publish_at=written)

    read = Review.objects.values_list("publish_at", flat=True).get(pk=review.pk)

    assert read == written
    assert read.tzinfo is datetime.UTC


def test_a_time_written_in_another_zone_reads_back_as_the_same_instant():
    summer_in_paris = datetime.timezone(datetime.timedelta(hours=2))
    paris = datetime.datetime(2010, 9, 16, 1, 30, tzinfo=summer_in_paris)
    review = create_review(publish_at=paris)

    read = Review.objects.values_list("publish_at", flat=True).get(pk=review.pk)

    assert read == paris
    assert timezone.localtime(read, datetime.UTC).hour == 23
