"""Refresh stored recommendations after a change to what they are computed from commits.

Receivers note which films, reviews, people and tags changed in a batch, one per
transaction; on commit the batch turns them into film ids (a query or two) and calls
``recommendations.refresh()`` once for the whole transaction. The refresh runs after the
commit, in a background thread of the process that committed (or at once when
``RECOMMENDATIONS_REFRESH_IN_BACKGROUND`` is off, as in tests), so neither its time nor a
failure reaches the editor: a failure is logged, and the next change or
``manage.py recompute_recommendations`` puts it right.

Receivers make no queries of their own, except when a film is deleted.
"""

import logging
import threading

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from taggit.models import Tag, TaggedItem

from . import recommendations
from .models import Credit, Film, Person, Recommendation, Review

logger = logging.getLogger(__name__)


class ChangeBatch:
    """What one transaction changed; ``refresh`` runs once, on commit."""

    def __init__(self):
        self.films, self.reviews, self.people, self.tags = set(), set(), set(), set()
        self.done = False

    def refresh(self):
        if self.done:
            return
        self.done = True
        films = set(self.films)
        if self.reviews:
            reviews = Review.objects.filter(pk__in=self.reviews)
            films.update(reviews.values_list("film_id", flat=True))
        if self.people:
            credits = Credit.objects.filter(person__in=self.people)
            films.update(credits.values_list("film_id", flat=True))
        if self.tags:
            films.update(Film.objects.filter(tags__in=self.tags).values_list("id", flat=True))
            reviews = Review.objects.filter(tags__in=self.tags)
            films.update(reviews.values_list("film_id", flat=True))
        if not films:
            return
        if settings.RECOMMENDATIONS_REFRESH_IN_BACKGROUND:
            threading.Thread(target=refresh_in_background, args=(films,), daemon=True).start()
        else:
            refresh_now(films)


def refresh_now(films):
    refreshed = recommendations.refresh(films)
    logger.info("Refreshed the recommendations of %d films.", len(refreshed))


def refresh_in_background(films):
    """Refresh outside the request that made the change, on a connection of its own."""
    try:
        refresh_now(films)
    except Exception:
        logger.exception("Could not refresh the recommendations of films %s", sorted(films))
    finally:
        connections.close_all()


_current = threading.local()


def _schedule(films=(), reviews=(), people=(), tags=()):
    """Note changes in the current transaction's batch, and ask for it to run on commit."""
    batch = getattr(_current, "batch", None)
    registered = transaction.get_connection().run_on_commit
    # A batch belongs to the transaction that registered it: once it has run, or once that
    # transaction (or the savepoint it was registered in) has rolled back, a new one starts.
    if (
        batch is None
        or batch.done
        or not any(getattr(callback, "__self__", None) is batch for _, callback, _ in registered)
    ):
        batch = _current.batch = ChangeBatch()
    batch.films.update(films)
    batch.reviews.update(reviews)
    batch.people.update(people)
    batch.tags.update(tags)
    # Registered for every change, not just the first, so that running only the callbacks
    # registered since some point (as tests capture them) still runs the batch. The first
    # call refreshes everything; the others find it done. Outside a transaction: at once.
    transaction.on_commit(batch.refresh, robust=True)


def film_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _schedule(films=[instance.pk])


def film_deleting(sender, instance, **kwargs):
    # Its rows in other films' lists go with it: note those films while they can be found.
    listing = Recommendation.objects.filter(recommended=instance).values_list("film_id", flat=True)
    _schedule(films=[instance.pk, *listing])


def credit_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _schedule(films=[instance.film_id])


def person_saved(sender, instance, created=False, raw=False, **kwargs):
    # A new person has no credits yet; a renamed one appears in reasons.
    if not (raw or created):
        _schedule(people=[instance.pk])


def tag_saved(sender, instance, created=False, raw=False, **kwargs):
    if not (raw or created):
        _schedule(tags=[instance.pk])


def tagged_item_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # get_for_model() is cached: no query.
    if instance.content_type_id == ContentType.objects.get_for_model(Film).pk:
        _schedule(films=[instance.object_id])
    elif instance.content_type_id == ContentType.objects.get_for_model(Review).pk:
        _schedule(reviews=[instance.object_id])


def review_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _schedule(films=[instance.film_id])


def mentions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:  # film.mentioned_in.add(review): the film, and the reviews' films.
        _schedule(films=[instance.pk], reviews=pk_set or ())
    else:  # review.mentioned_films.add(film); after a clear, the review's film's old list.
        _schedule(films=[instance.film_id, *(pk_set or ())])


RECEIVERS = [
    (post_save, film_saved, Film),
    (pre_delete, film_deleting, Film),
    (post_save, credit_changed, Credit),
    (post_delete, credit_changed, Credit),
    (post_save, person_saved, Person),
    (post_save, tag_saved, Tag),
    (post_save, tagged_item_changed, TaggedItem),
    (post_delete, tagged_item_changed, TaggedItem),
    (post_save, review_changed, Review),
    (post_delete, review_changed, Review),
    (m2m_changed, mentions_changed, Review.mentioned_films.through),
]


_connected = False


def connect_signals():
    """Connect the receivers; True if they were not connected yet (twice changes nothing)."""
    global _connected
    for number, (signal, receiver, sender) in enumerate(RECEIVERS):
        signal.connect(receiver, sender=sender, dispatch_uid=f"recommendations.{number}")
    newly, _connected = not _connected, True
    return newly


def disconnect_signals():
    global _connected
    for number, (signal, receiver, sender) in enumerate(RECEIVERS):
        signal.disconnect(receiver, sender=sender, dispatch_uid=f"recommendations.{number}")
    _connected = False
