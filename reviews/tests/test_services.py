from datetime import timedelta

import pytest
from django.utils import timezone

from reviews import services
from reviews.models import Review


def test_publishing_a_draft_shows_it_to_readers_from_now(make_review, client):
    review = make_review(status=Review.Status.DRAFT)
    assert client.get(review.get_absolute_url()).status_code == 404

    assert services.publish_now(review) is True

    review.refresh_from_db()
    assert review.status == Review.Status.PUBLISHED
    assert review.publish_at <= timezone.now()
    assert Review.objects.published().filter(pk=review.pk).exists()
    assert review.headline in client.get(review.get_absolute_url()).content.decode()


def test_publishing_a_scheduled_review_brings_its_time_forward(make_review):
    later = timezone.now() + timedelta(days=3)
    review = make_review(status=Review.Status.SCHEDULED, publish_at=later)

    assert services.publish_now(review) is True

    review.refresh_from_db()
    assert review.publish_at < later
    assert not Review.objects.scheduled().exists()


def test_publishing_a_published_review_changes_nothing(make_review):
    earlier = timezone.now() - timedelta(days=30)
    review = make_review(status=Review.Status.PUBLISHED, publish_at=earlier)

    assert services.publish_now(review) is False

    review.refresh_from_db()
    assert review.publish_at == earlier


def test_unpublishing_hides_the_review_and_a_draft_stays_a_draft(make_review):
    review = make_review()

    assert services.unpublish(review) is True
    assert services.unpublish(review) is False

    assert list(Review.objects.drafts()) == [review]
    assert not Review.objects.published().exists()


def test_a_scheduled_review_waits_for_its_time(make_review):
    review = make_review(status=Review.Status.DRAFT)
    when = timezone.now() + timedelta(hours=2)

    assert services.schedule(review, when) is True
    assert services.schedule(review, when) is False

    assert list(Review.objects.scheduled()) == [review]
    assert Review.objects.next_publication_time() == when
    assert not Review.objects.published().exists()


def test_a_review_cannot_be_scheduled_for_a_time_gone_by(make_review):
    review = make_review(status=Review.Status.DRAFT)

    with pytest.raises(ValueError, match="publish it now instead"):
        services.schedule(review, timezone.now() - timedelta(minutes=1))

    review.refresh_from_db()
    assert review.status == Review.Status.DRAFT
