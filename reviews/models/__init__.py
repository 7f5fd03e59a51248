"""The reviews app's models, by topic: the catalogue (films, people, credits), reviews and
their ratings, drafts of published reviews, and what is derived from them (tag counts,
related films)."""

from .addresses import FormerFilmSlug, FormerReviewSlug
from .catalogue import (
    MAIN_CAST_SHOWN,
    Credit,
    Film,
    FilmQuerySet,
    Person,
    RelatedFilm,
    group_by_role,
    headline_credits,
    save_with_image,
    shown_credits,
)
from .critics import Critic, CriticLink
from .derived import (
    COMMON_TAG_ITEMS,
    Recommendation,
    RecommendationBounds,
    TagUsage,
    WaitingRefresh,
    count_tag_usage,
    give_tag_a_slug,
    is_common_tag,
    tags_with_counts,
)
from .drafts import DRAFT_FIELDS, DRAFTED_INLINES, ReviewDraft
from .imports import ImportedItem
from .reviews import (
    FurtherReading,
    PullQuote,
    Review,
    ReviewQuerySet,
    add_listing_tags,
    add_review_summaries,
    other_review_lines,
    published_condition,
    rating_aggregates,
    review_lines,
)

__all__ = [
    "COMMON_TAG_ITEMS",
    "DRAFTED_INLINES",
    "DRAFT_FIELDS",
    "MAIN_CAST_SHOWN",
    "Credit",
    "Critic",
    "CriticLink",
    "Film",
    "FilmQuerySet",
    "FormerFilmSlug",
    "FormerReviewSlug",
    "FurtherReading",
    "ImportedItem",
    "Person",
    "PullQuote",
    "Recommendation",
    "RecommendationBounds",
    "RelatedFilm",
    "Review",
    "ReviewDraft",
    "ReviewQuerySet",
    "TagUsage",
    "WaitingRefresh",
    "add_listing_tags",
    "add_review_summaries",
    "count_tag_usage",
    "give_tag_a_slug",
    "group_by_role",
    "headline_credits",
    "is_common_tag",
    "published_condition",
    "rating_aggregates",
    "other_review_lines",
    "review_lines",
    "save_with_image",
    "shown_credits",
    "tags_with_counts",
]
