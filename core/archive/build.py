"""The archive's build: its steps in order, in one transaction, and what follows the load."""

from django.db import transaction
from taggit.models import Tag, TaggedItem

from comments.models import Comment
from core import pagecache
from reviews import keys, recommendations, search
from reviews.models import (
    Credit,
    Film,
    FurtherReading,
    Person,
    PullQuote,
    RelatedFilm,
    Review,
    count_tag_usage,
)

from .catalogue import build_films, build_people, build_tags
from .comments import build_comments, count_comments
from .loading import Loader, analyze, fast_loading, reset_sequences
from .reviews import build_reviews

# Every table the build writes with ids of its own choosing.
TABLES_WITH_CHOSEN_IDS = [
    Tag,
    TaggedItem,
    Person,
    Film,
    Credit,
    RelatedFilm,
    Review,
    Comment,
    PullQuote,
    FurtherReading,
    Review.mentioned_films.through,
]


def build_archive(sizes, *, seed, batch_size, with_recommendations, stdout, stderr):
    """Add an archive of ``sizes`` (films, reviews, comments, tags, people: None for twice
    the films) to the database, reporting each step to ``stdout``."""
    loader = Loader(seed, batch_size, stdout)
    people_count = sizes["people"]
    if people_count is None:
        people_count = max(50, 2 * sizes["films"])
    step = loader.step
    with fast_loading():
        with transaction.atomic():
            tags = step("tags", build_tags, loader, sizes["tags"])
            people = step("people", build_people, loader, people_count)
            films = step(
                "films, credits and film tags",
                build_films,
                loader,
                sizes["films"],
                people,
                tags,
            )
            new_reviews = step("reviews", build_reviews, loader, sizes["reviews"], films, tags)
            step("comments", build_comments, loader, sizes["comments"], new_reviews)
            step("comment counts", count_comments, new_reviews)
            step("tag counts", count_tag_usage)
            reset_sequences(TABLES_WITH_CHOSEN_IDS)
        step("search index", search.reindex, [pk for pk, *_ in new_reviews])
        if with_recommendations:
            step("recommendations", recommendations.recompute_all)
        step("planner statistics", analyze)
    mark_pages_stale(stderr)


def mark_pages_stale(stderr):
    """Cached pages that list reviews or tags are stale now."""
    try:
        pagecache.invalidate(keys.published_list(), keys.tags())
    except Exception as error:  # the cache may not be set up on a scratch database
        stderr.write(f"Could not mark cached pages stale: {error}")
