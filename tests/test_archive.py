"""The synthetic archive (``manage.py build_archive``) and the moderation queue at scale."""

import re
import statistics
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from comments.models import Comment
from comments.text import render_comment_text
from core.archive.catalogue import FULL_CAST
from core.pagination import ApproximateCount
from reviews.markdown import render_markdown
from reviews.models import Credit, Film, Person, Review, tags_with_counts
from reviews.search import search_reviews
from tests.queries import query_plan

# Each test builds a synthetic archive: make test-all and CI run them, make test does not.
pytestmark = pytest.mark.slow

QUEUE = reverse("admin:comments_comment_changelist")
SMALL = {"films": 50, "reviews": 200, "comments": 2000, "tags": 40}


def build(**options):
    output = StringIO()
    call_command("build_archive", stdout=output, **{**SMALL, "seed": 7, **options})
    return output.getvalue()


@pytest.fixture
def archive(db):
    return build()


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def queries_for(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response, context.captured_queries


def share(part, whole):
    return part.count() / whole.count()


# The archive


def test_archive_has_the_sizes_asked_for_and_reports_its_steps(archive):
    assert (Film.objects.count(), Review.objects.count()) == (50, 200)
    assert (Comment.objects.count(), Tag.objects.count()) == (2000, 40)
    assert Person.objects.count() == 100  # twice the films, by default
    assert "search index: done in" in archive
    assert "Archive built in" in archive


def test_films_have_credits_from_shared_people_and_a_few_tags_used_far_more(archive):
    assert Film.objects.filter(reviews__isnull=False).distinct().count() == 15  # 30%
    casts = []
    for film in Film.objects.prefetch_related("credits"):
        roles = [credit.role for credit in film.credits.all()]
        assert Credit.Role.DIRECTOR in roles and Credit.Role.COMPOSER in roles
        casts.append(roles.count(Credit.Role.CAST))
    # One film in a hundred (at least one) has a cast as long as the pool of players allows.
    cast_pool = Person.objects.count() - int(Person.objects.count() * 0.36)
    assert sorted(casts)[-1] == min(FULL_CAST, cast_pool)
    assert all(6 <= cast <= 10 for cast in sorted(casts)[:-1])
    busiest = Person.objects.annotate(film_count=Count("credits__film", distinct=True))
    assert busiest.order_by("-film_count").first().film_count >= 5
    uses = sorted(
        Tag.objects.annotate(n=Count("taggit_taggeditem_items")).values_list("n", flat=True)
    )
    assert uses[-1] >= 5 * statistics.median(uses)


def test_reviews_are_mostly_published_over_fifteen_years_and_a_quarter_rated(archive):
    reviews = Review.objects.all()
    assert share(reviews.filter(status=Review.Status.PUBLISHED), reviews) > 0.85
    assert reviews.filter(status=Review.Status.DRAFT).exists()
    scheduled = reviews.filter(status=Review.Status.SCHEDULED)
    assert scheduled.exists()
    assert not scheduled.filter(publish_at__lte=timezone.now()).exists()
    oldest = reviews.published().order_by("publish_at").first().publish_at
    assert oldest > timezone.now() - timedelta(days=15 * 366)
    assert 0.15 < share(reviews.rated(), reviews) < 0.35
    assert set(reviews.rated().values_list("rating_best", flat=True)) <= {4, 5, 10}
    assert not reviews.filter(rating_best=10, rating_step=Review.RatingStep.HALF).exists()


def test_review_bodies_are_stored_as_saving_would_render_them(archive):
    for review in Review.objects.all():
        assert render_markdown(review.body) == (review.body_html, review.body_sections)
        assert len(review.body_sections) >= 2
        assert review.excerpt and "*" not in review.excerpt


def test_comments_form_threads_on_their_own_review_under_published_reviews(archive):
    comments = Comment.objects.all()
    replies = comments.filter(parent__isnull=False)
    assert 0.25 < share(replies, comments) < 0.35
    assert not comments.filter(parent__isnull=True).exclude(depth=0).exists()
    assert not replies.exclude(depth=F("parent__depth") + 1).exists()
    assert comments.filter(depth=2).exists() and not comments.filter(depth__gt=2).exists()
    assert not replies.exclude(review=F("parent__review")).exists()
    assert not replies.exclude(parent__status=Comment.Status.APPROVED).exists()
    assert not replies.filter(submitted_at__lt=F("parent__moderated_at")).exists()
    assert not comments.filter(submitted_at__lt=F("review__publish_at")).exists()
    assert not comments.exclude(review__in=Review.objects.published()).exists()


def test_comments_are_mostly_approved_with_some_pending_and_spam(archive):
    comments = Comment.objects.all()
    assert 0.015 < share(comments.pending(), comments) < 0.05
    assert comments.filter(status=Comment.Status.SPAM).exists()
    assert not comments.pending().exclude(moderated_at=None).exists()
    assert not comments.exclude(author_email=Lower("author_email")).exists()
    for body, body_html in set(comments.values_list("body", "body_html")):
        assert body_html == render_comment_text(body)


def test_a_few_reviews_have_many_comments_and_counts_match_the_approved(archive):
    counts = Review.objects.annotate(
        approved=Count("comments", filter=Q(comments__status=Comment.Status.APPROVED))
    )
    assert not Review.objects.filter(discussion__isnull=True).exists()
    assert not counts.exclude(discussion__approved_count=F("approved")).exists()
    per_review = sorted(counts.filter(approved__gt=0).values_list("approved", flat=True))
    assert per_review[-1] >= 5 * statistics.median(per_review)


def test_search_finds_a_generated_review(archive):
    review = Review.objects.published().order_by("-publish_at").first()

    found = search_reviews(f'"{review.headline}"')[:10]

    assert review.pk in [result.pk for result in found]


def test_the_most_used_tags_are_counted_as_the_home_page_shows_them(archive):
    counted = dict(
        Tag.objects.annotate(n=Count("taggit_taggeditem_items")).values_list("name", "n")
    )
    shown = {tag.name: tag.item_count for tag in tags_with_counts()}
    assert shown == {name: n for name, n in counted.items() if n}


def test_building_leaves_no_work_for_after_the_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        build()

    # Bulk inserts send no signals: nothing is queued to reindex or rescore row by row.
    assert callbacks == []


def test_building_on_a_database_with_content_is_refused_unless_forced(archive):
    with pytest.raises(CommandError, match="--force"):
        build()

    build(force=True, films=5, reviews=10, comments=50, tags=5, seed=8)

    assert (Film.objects.count(), Review.objects.count(), Comment.objects.count()) == (
        55,
        210,
        2050,
    )


def test_building_is_refused_in_production_mode(db, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        build()

    assert not Review.objects.exists()


# The moderation queue at scale


def test_pending_queue_queries_are_few_and_do_not_grow(
    moderator_client, django_assert_max_num_queries
):
    build(films=10, reviews=30, comments=300, tags=10)
    moderator_client.get(QUEUE)  # content types are cached after the first request
    _, small = queries_for(moderator_client, QUEUE, {"status__exact": "pending"})
    build(force=True, films=10, reviews=60, comments=3000, tags=10, seed=8)

    # Session, user, two for permissions, the review filter, the count, the page.
    with django_assert_max_num_queries(7):
        response, large = queries_for(moderator_client, QUEUE, {"status__exact": "pending"})

    assert len(large) == len(small)
    assert len(response.context["cl"].result_list) == 50
    assert {c.status for c in response.context["cl"].result_list} == {Comment.Status.PENDING}


def test_queue_count_stops_at_the_cap_and_so_do_the_pages(settings, moderator_client):
    settings.PAGINATOR_COUNT_CAP = 100
    build(films=10, reviews=30, comments=300, tags=10)

    response, queries = queries_for(moderator_client, QUEUE)

    count = response.context["cl"].result_count
    assert isinstance(count, ApproximateCount) and count == 100
    assert any("LIMIT 101" in query["sql"] for query in queries)
    assert re.search(r"(more than 100|about [\d,]+) comments", response.text)
    beyond = moderator_client.get(QUEUE, {"p": "3"})  # 100 comments fill two pages
    assert beyond.status_code == 302 and "e=1" in beyond.url


@pytest.mark.parametrize("status", [None, "pending", "approved"])
def test_queue_pages_are_read_in_index_order_not_sorted(moderator_client, status):
    build(films=10, reviews=30, comments=300, tags=10)

    params = {"status__exact": status} if status else {}
    response = moderator_client.get(QUEUE, params)

    plan = query_plan(response.context["cl"].queryset[:50])
    assert "comment_" in plan and "queue" in plan, plan
    assert not re.search(r"\bSort\b|TEMP B-TREE FOR ORDER BY", plan), plan
