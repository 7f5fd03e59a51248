"""Bring what is derived from the catalogue up to date once a change to it commits.

Receivers note what a transaction changes (reviews, films, people, tags); once it
commits, the batch works out which reviews and films the changes touch, once, and hands
them to each consumer: the tags' counts, the search index, the stored recommendations and
the page cache.
A transaction that rolls back takes its batch with it. Connected by
``ReviewsConfig.ready()``.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from django_tasks import task
from taggit.models import Tag, TaggedItem

from core import pagecache
from core.batches import Batch, PerTransaction

from . import keys, recommendations, search
from .models import (
    Credit,
    Critic,
    CriticLink,
    Film,
    Person,
    Recommendation,
    RelatedFilm,
    Review,
    WaitingRefresh,
    count_tag_usage,
)

logger = logging.getLogger(__name__)


@dataclass
class Touched:
    """What a committed transaction touched, resolved to ids.

    A film's record (title, year) shows wherever the film is named; its details (credits,
    tags, related films) only on its own page and its reviews' pages.
    """

    reviews: set = field(default_factory=set)  # reviews whose own content changed
    renamed_films: set = field(default_factory=set)  # films whose own record was saved
    films: set = field(default_factory=set)  # films whose details, credits, tags or lists changed
    reviewed_films: set = field(default_factory=set)  # films one of whose reviews changed
    people: set = field(default_factory=set)
    critics: set = field(default_factory=set)  # critics whose record or list of reviews changed
    counted_tags: set = field(default_factory=set)  # tags put on or taken off something
    tags_changed: bool = False  # a tag was renamed, added to or removed from something
    listing_changed: bool = False  # a review entered, left or moved in the published lists


class ChangeBatch(Batch):
    """What one transaction changed; ``perform`` resolves it and tells the consumers."""

    def __init__(self):
        super().__init__()
        self.reviews, self.films, self.renamed_films = set(), set(), set()
        self.reviewed_films = set()
        self.people, self.tags, self.tagged = set(), set(), set()
        self.critics, self.renamed_critics = set(), set()
        self.counted_tags = set()
        self.tags_changed = self.listing_changed = False

    def perform(self):
        touched = self.resolve()
        for consumer in CONSUMERS:
            try:
                consumer(touched)
            except Exception:
                logger.exception("%s failed after a catalogue change", consumer.__name__)

    def resolve(self):
        touched = Touched(
            reviews=set(self.reviews),
            renamed_films=set(self.renamed_films),
            films=set(self.films),
            people=set(self.people),
            critics=self.critics | self.renamed_critics,
            counted_tags=set(self.counted_tags),
            tags_changed=self.tags_changed or bool(self.tags or self.tagged),
            listing_changed=self.listing_changed,
        )
        if self.people:
            credits = Credit.objects.filter(person__in=self.people)
            touched.films.update(credits.values_list("film_id", flat=True))
        tagged = set(self.tagged)
        if self.tags:
            items = TaggedItem.objects.filter(tag__in=self.tags)
            tagged.update(items.values_list("content_type_id", "object_id"))
        content_types = ContentType.objects.get_for_models(Film, Review)
        for content_type_id, object_id in tagged:
            if content_type_id == content_types[Film].pk:
                touched.films.add(object_id)
            elif content_type_id == content_types[Review].pk:
                touched.reviews.add(object_id)
        if self.renamed_critics:
            # Their name is on their reviews' cards and pages, and in the search index.
            signed = Review.objects.filter(critic__in=self.renamed_critics)
            touched.reviews.update(signed.values_list("pk", flat=True))
        reviews = Review.objects.filter(pk__in=touched.reviews)
        touched.reviewed_films = set(self.reviewed_films) | set(
            reviews.values_list("film_id", flat=True)
        )
        return touched


changes = PerTransaction(ChangeBatch)


def note(
    *,
    reviews=(),
    films=(),
    renamed_films=(),
    reviewed_films=(),
    people=(),
    critics=(),
    renamed_critics=(),
    tags=(),
    tagged=(),
    counted_tags=(),
    listing=False,
    retagged=False,
):
    """Add changes to the current transaction's batch, which runs when it commits."""
    batch = changes.current()
    batch.reviews.update(reviews)
    batch.films.update(films)
    batch.reviewed_films.update(reviewed_films)
    batch.renamed_films.update(renamed_films)
    batch.films.update(renamed_films)
    batch.people.update(people)
    batch.critics.update(critics)
    batch.renamed_critics.update(renamed_critics)
    batch.tags.update(tags)
    batch.tagged.update(tagged)
    batch.counted_tags.update(counted_tags)
    batch.listing_changed |= listing
    batch.tags_changed |= retagged
    changes.run_after_commit(batch)


# Consumers: each receives the Touched of a committed transaction.


def recount_tags(touched):
    if touched.counted_tags:
        count_tag_usage(touched.counted_tags)


def reindex_search(touched):
    """Reindex the reviews that changed, at once, and every review of a film that changed,
    by a task: a film's reviews may be a thousand, 1.5 s of work on PostgreSQL."""
    of_films = Review.objects.filter(pk__in=touched.reviews, film__in=touched.films)
    search.reindex(touched.reviews - set(of_films.values_list("pk", flat=True)))
    if touched.films:
        reindex_reviews_of.enqueue(sorted(touched.films))


@task()
def reindex_reviews_of(film_ids):
    """Reindex every review of these films, as they are when the task runs."""
    search.reindex(Review.objects.filter(film__in=film_ids).values_list("pk", flat=True))


def refresh_recommendations(touched):
    """Note the films touched for a refresh of their recommendations, made by a task a
    little later: changes to them until then are refreshed with them, once."""
    if WaitingRefresh.objects.note(touched.films | touched.reviewed_films):
        schedule_refresh()


def schedule_refresh():
    """Have ``refresh_waiting_films`` run in RECOMMENDATIONS_REFRESH_WINDOW_SECONDS, or at
    once where tasks run at once."""
    if refresh_waiting_films.get_backend().supports_defer:
        seconds = settings.RECOMMENDATIONS_REFRESH_WINDOW_SECONDS
        later = timezone.now() + timedelta(seconds=seconds)
        refresh_waiting_films.using(run_after=later).enqueue()
    else:
        refresh_waiting_films.enqueue()


@task(takes_context=True)
def refresh_waiting_films(context):
    """Refresh every film waiting, in one ``recommendations.refresh``, and mark stale the
    pages whose lists changed. A film noted again meanwhile waits for the next sweep.

    The sweep holds its films by its task's id: run again after its worker was killed, it
    takes back the films it held."""
    sweep = f"task {context.task_result.id}"
    film_ids = WaitingRefresh.objects.claim(sweep)
    if not film_ids:
        return
    # If the refresh fails, the films stay claimed until the claim is old enough for
    # another sweep to take them over.
    refreshed = recommendations.refresh(film_ids)
    pagecache.invalidate(*(keys.film_details(pk) for pk in refreshed))
    logger.info("Refreshed the recommendations of %d films.", len(refreshed))
    if WaitingRefresh.objects.finish(sweep):
        schedule_refresh()


def invalidate_pages(touched):
    """Mark stale every cached page that shows something the transaction changed."""
    stale = [key for pk in touched.reviews for key in keys.review_itself(pk)]
    stale += [keys.film(pk) for pk in touched.renamed_films]
    stale += [keys.film_details(pk) for pk in touched.films]
    stale += [keys.film_reviews(pk) for pk in touched.reviewed_films]
    stale += [keys.person(pk) for pk in touched.people]
    stale += [keys.critic(pk) for pk in touched.critics]
    if touched.tags_changed:
        stale.append(keys.tags())
    if touched.listing_changed:
        stale.append(keys.published_list())
    if stale:
        stale.append(keys.catalogue())
    pagecache.invalidate(*stale)


# Counts first: a page rendered again once it is marked stale must find them up to date.
CONSUMERS = [recount_tags, reindex_search, invalidate_pages, refresh_recommendations]


# Receivers: they only note what changed.


def listed_state(status, publish_at, film_id):
    """What decides where a review appears in the published lists: drafts appear nowhere."""
    return None if status == Review.Status.DRAFT else (publish_at, film_id)


def review_saving(sender, instance, raw=False, **kwargs):
    """Remember where the review stood, to tell whether the published lists change."""
    stored = None
    if not raw and instance.pk is not None:
        stored = (
            Review.objects.filter(pk=instance.pk)
            .values_list("status", "publish_at", "film_id", "critic_id")
            .first()
        )
    instance._listed_before = listed_state(*stored[:3]) if stored else None
    instance._film_before = stored[2] if stored else instance.film_id
    instance._critic_before = stored[3] if stored else None


def review_saved(sender, instance, **kwargs):
    now = listed_state(instance.status, instance.publish_at, instance.film_id)
    before = getattr(instance, "_listed_before", None)
    films = {instance.film_id, getattr(instance, "_film_before", instance.film_id)}
    critics = {instance.critic_id, getattr(instance, "_critic_before", None)} - {None}
    note(reviews=[instance.pk], reviewed_films=films, critics=critics, listing=before != now)


def review_deleted(sender, instance, **kwargs):
    listed = listed_state(instance.status, instance.publish_at, instance.film_id)
    critics = [instance.critic_id] if instance.critic_id else []
    note(
        reviews=[instance.pk],
        reviewed_films=[instance.film_id],
        critics=critics,
        listing=listed is not None,
    )


def film_saved(sender, instance, **kwargs):
    note(renamed_films=[instance.pk])


def film_deleting(sender, instance, **kwargs):
    # The lists that show it lose a row: note their films while they can still be found.
    listing = Recommendation.objects.filter(recommended=instance).values_list("film_id", flat=True)
    curated = RelatedFilm.objects.filter(related=instance).values_list("film_id", flat=True)
    note(renamed_films=[instance.pk], films=[*listing, *curated], listing=True)


def credit_changed(sender, instance, **kwargs):
    note(films=[instance.film_id], people=[instance.person_id])


def person_saved(sender, instance, **kwargs):
    note(people=[instance.pk])


def critic_changed(sender, instance, **kwargs):
    note(renamed_critics=[instance.pk])


def critic_link_changed(sender, instance, **kwargs):
    note(critics=[instance.critic_id])


def tag_saved(sender, instance, created=False, **kwargs):
    if not created:  # a new tag is on nothing yet
        note(tags=[instance.pk])


def tagged_item_changed(sender, instance, **kwargs):
    note(tagged=[(instance.content_type_id, instance.object_id)], counted_tags=[instance.tag_id])


def tags_changed(sender, instance, action, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Review):
        note(reviews=[instance.pk], retagged=True)
    elif isinstance(instance, Film):
        note(films=[instance.pk], retagged=True)


def mentions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:  # film.mentioned_in.add(review): the film, and the reviews' films.
        note(reviewed_films=[instance.pk], reviews=pk_set or ())
    else:  # review.mentioned_films.add(film); after a clear, the review's film's old list.
        note(reviewed_films=[instance.film_id, *(pk_set or ())])


def related_film_changed(sender, instance, **kwargs):
    note(films=[instance.film_id])


RECEIVERS = [
    (pre_save, Review, review_saving),
    (post_save, Review, review_saved),
    (post_delete, Review, review_deleted),
    (post_save, Film, film_saved),
    (pre_delete, Film, film_deleting),
    (post_save, Credit, credit_changed),
    (post_delete, Credit, credit_changed),
    (post_save, Person, person_saved),
    (post_save, Critic, critic_changed),
    (post_delete, Critic, critic_changed),
    (post_save, CriticLink, critic_link_changed),
    (post_delete, CriticLink, critic_link_changed),
    (post_save, Tag, tag_saved),
    (post_save, TaggedItem, tagged_item_changed),
    (post_delete, TaggedItem, tagged_item_changed),
    (m2m_changed, TaggedItem, tags_changed),
    (m2m_changed, Review.mentioned_films.through, mentions_changed),
    (post_save, RelatedFilm, related_film_changed),
    (post_delete, RelatedFilm, related_film_changed),
]


def connect():
    for signal, sender, receiver in RECEIVERS:
        signal.connect(receiver, sender=sender, dispatch_uid=f"changes.{receiver.__name__}")
