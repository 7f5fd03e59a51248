"""The archive's reviews with their discussions, ratings and editors' extras."""

import math
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from comments.models import Discussion
from reviews.models import FurtherReading, PullQuote, RelatedFilm, Review
from reviews.ratings import HALF_STAR, WHOLE_STAR

from . import text
from .catalogue import tag_objects
from .sampling import Slugs, pick, zipf_cum_weights

YEARS_OF_REVIEWS = 15
REVIEWED_SHARE = 0.3
RATED_SHARE = 0.25
# Scales critics rate on, how often, and the steps each allows.
RATING_SCALES = [
    (4, 0.3, (WHOLE_STAR, HALF_STAR)),
    (5, 0.5, (WHOLE_STAR, HALF_STAR)),
    (10, 0.2, (WHOLE_STAR,)),
]


def build_reviews(loader, total, films, tags):
    """Reviews of 30% of the films, a few films reviewed far more than most; returns
    ``[(review id, publish_at or None, readers can see it)]``."""
    rng = loader.rng
    if not total or not films:
        return []
    reviewed = rng.sample(films, max(1, min(len(films), int(len(films) * REVIEWED_SHARE), total)))
    # Every reviewed film has one review; the rest go to a few films far more than others.
    per_film = Counter(film.pk for film in reviewed)
    weights = zipf_cum_weights(len(reviewed), 0.35)
    extra = rng.choices(reviewed, cum_weights=weights, k=total - len(reviewed))
    per_film.update(film.pk for film in extra)
    assignments = [film for film in reviewed for _ in range(per_film[film.pk])]
    rng.shuffle(assignments)
    add_related_films(loader, reviewed, films)

    critics = [text.person_name(rng) for _ in range(max(20, total // 300))]
    critic_weights = zipf_cum_weights(len(critics), 0.8)
    slugs = Slugs(Review.objects.values_list("slug", flat=True), 250)
    first = loader.next_id(Review)
    review_ids = []
    summary, started = [], time.perf_counter()
    for start in range(0, total, loader.batch_size):
        batch, discussions = [], []
        for offset, film in enumerate(assignments[start : start + loader.batch_size]):
            review, discussion = make_review(
                loader, first + start + offset, film, slugs, critics, critic_weights
            )
            batch.append(review)
            discussions.append(discussion)
            summary.append(
                (
                    review.pk,
                    review.publish_at,
                    review.status != Review.Status.DRAFT and review.publish_at <= loader.now,
                )
            )
        loader.insert(Review, batch)
        loader.insert(Discussion, discussions)  # bulk inserts send no post_save
        add_review_extras(loader, batch, films)
        review_ids.extend(review.pk for review in batch)
        loader.progress("reviews", start + len(batch), total, started)
    tagged = tag_objects(loader, Review, review_ids, tags, low=1, high=3, share=0.4)
    loader.stdout.write(f"  {total:,} reviews of {len(reviewed):,} films; {tagged:,} review tags")
    return summary


def make_review(loader, pk, film, slugs, critics, critic_weights):
    """A review and its discussion, to be inserted."""
    rng, now = loader.rng, loader.now
    headline = text.headline(rng, film.title)
    body, body_html, sections = text.review_body(rng, film.title)
    roll = rng.random()
    if roll < 0.03:
        status = Review.Status.DRAFT
        publish_at = None if rng.random() < 0.7 else now + timedelta(days=rng.uniform(1, 90))
    elif roll < 0.06:
        status = Review.Status.SCHEDULED
        publish_at = now + timedelta(hours=rng.uniform(1, 24 * 60))
    else:
        status = Review.Status.PUBLISHED
        publish_at = publication_time(rng, now, film.year)
    publication, publication_url = ("", "")
    if rng.random() < 0.6:
        publication, publication_url = rng.choice(text.PUBLICATIONS)
    slug = slugs(headline)
    review = Review(
        id=pk,
        film_id=film.pk,
        headline=headline,
        slug=slug,
        byline="" if rng.random() < 0.05 else rng.choices(critics, cum_weights=critic_weights)[0],
        publication_name=publication,
        publication_url=publication_url,
        original_url=f"{publication_url}/reviews/{slug}"
        if publication and rng.random() < 0.5
        else "",
        review_date=publish_at.date() if publish_at and rng.random() < 0.9 else None,
        status=status,
        publish_at=publish_at,
        dek=text.sentence(rng) if rng.random() < 0.7 else "",
        tagline=text.sentence(rng, low=4, high=8) if rng.random() < 0.3 else "",
        body=body,
        body_html=body_html,
        body_sections=sections,
    )
    discussion = Discussion(review_id=pk, is_open=rng.random() < 0.9)
    if rng.random() < RATED_SHARE:
        review.rating_best, review.rating_value, review.rating_step = rating(rng)
    return review, discussion


def publication_time(rng, now, film_year):
    """A time in the last 15 years, after the film's year began, more often recent."""
    earliest = max(
        now - timedelta(days=365.25 * YEARS_OF_REVIEWS),
        datetime(film_year, 1, 1, tzinfo=UTC),
    )
    span = (now - earliest).total_seconds()
    return earliest + timedelta(seconds=int(span * math.sqrt(rng.random())))


def rating(rng):
    """``(best, value, step)`` of a critic's rating, around two thirds of the scale."""
    best = pick(rng, RATING_SCALES)
    steps = next(steps for scale, _, steps in RATING_SCALES if scale == best)
    step = rng.choice(steps)
    share = min(1.0, max(0.0, rng.gauss(0.65, 0.18)))
    value = (Decimal(str(share * best)) / step).quantize(Decimal(1)) * step
    return best, value, str(step)


def add_related_films(loader, reviewed, films):
    """An editor's picks after one reviewed film in ten: three to eight other films."""
    rng = loader.rng
    first = loader.next_id(RelatedFilm)
    links = []
    for film in reviewed:
        if rng.random() >= 0.1 or len(films) < 4:
            continue
        chosen = {f.pk for f in rng.sample(films, min(len(films), 9))} - {film.pk}
        for position, related in enumerate(sorted(chosen)[: rng.randint(3, 8)]):
            links.append(
                RelatedFilm(
                    id=first + len(links),
                    film_id=film.pk,
                    related_id=related,
                    position=position,
                )
            )
    loader.insert(RelatedFilm, links)


def add_review_extras(loader, batch, films):
    """Pull quotes, further reading and mentions of other films, on a few reviews."""
    rng = loader.rng
    quotes, reading, mentions = [], [], []
    Mention = Review.mentioned_films.through
    for review in batch:
        if rng.random() < 0.1:
            quotes.append(
                PullQuote(review_id=review.pk, text=text.sentence(rng), attribution=review.byline)
            )
        if rng.random() < 0.05:
            for position in range(rng.randint(1, 2)):
                word = rng.choice(text.WORDS)
                reading.append(
                    FurtherReading(
                        review_id=review.pk,
                        title=f"On {word}: an interview",
                        url=f"https://interviews.example.org/{review.slug}/{position}",
                        position=position,
                    )
                )
        if rng.random() < 0.1:
            for film in {f.pk for f in rng.sample(films, min(3, len(films)))} - {review.film_id}:
                mentions.append(Mention(review_id=review.pk, film_id=film))
    for model, rows in ((PullQuote, quotes), (FurtherReading, reading), (Mention, mentions)):
        first = loader.next_id(model)
        for n, row in enumerate(rows):
            row.pk = first + n
        loader.insert(model, rows)
