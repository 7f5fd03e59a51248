"""Keep the search index up to date.

Receivers only note what changed; after the transaction commits, every review the changes
touch is reindexed once. Connected by ``ReviewsConfig.ready()``.
"""

import threading

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag, TaggedItem

from . import search
from .models import Credit, Film, Person, Review


class _Changes(threading.local):
    """What changed in this thread since the last reindex: sets of ids by kind, and of
    ``(content type id, object id)`` for tagged items.

    Changes noted in a transaction that rolls back wait for the next commit; reindexing
    rebuilds from what is in the database, so that costs a little work and no accuracy.
    """

    kinds = ("reviews", "films", "people", "tags", "tagged")

    def __init__(self):
        for kind in self.kinds:
            setattr(self, kind, set())

    def take(self):
        """Every change noted, as one set per kind; afterwards none are."""
        taken = tuple(getattr(self, kind) for kind in self.kinds)
        self.__init__()
        return taken


_changes = _Changes()


def _note(kind, key):
    getattr(_changes, kind).add(key)
    # One callback per change, so that one survives whichever savepoints roll back; the
    # first to run takes every change noted, and the rest find nothing left to do.
    transaction.on_commit(reindex_changes)


def reindex_changes():
    """Reindex, once each, the reviews touched by the changes noted so far."""
    reviews, films, people, tags, tagged = _changes.take()
    if not (reviews or films or people or tags or tagged):
        return
    if people:
        films |= set(Credit.objects.filter(person__in=people).values_list("film_id", flat=True))
    if tags:
        tagged |= set(
            TaggedItem.objects.filter(tag__in=tags).values_list("content_type", "object_id")
        )
    if tagged:
        content_types = ContentType.objects.get_for_models(Film, Review)
        for content_type_id, object_id in tagged:
            if content_type_id == content_types[Film].pk:
                films.add(object_id)
            elif content_type_id == content_types[Review].pk:
                reviews.add(object_id)
    if films:
        reviews |= set(Review.objects.filter(film__in=films).values_list("pk", flat=True))
    search.reindex(reviews)


def review_changed(sender, instance, **kwargs):
    _note("reviews", instance.pk)


def film_changed(sender, instance, **kwargs):
    _note("films", instance.pk)


def credit_changed(sender, instance, **kwargs):
    _note("films", instance.film_id)


def person_changed(sender, instance, **kwargs):
    _note("people", instance.pk)


def tag_changed(sender, instance, **kwargs):
    _note("tags", instance.pk)


def tagged_item_changed(sender, instance, **kwargs):
    _note("tagged", (instance.content_type_id, instance.object_id))


def tags_changed(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        if isinstance(instance, Review):
            _note("reviews", instance.pk)
        elif isinstance(instance, Film):
            _note("films", instance.pk)


RECEIVERS = [
    (post_save, Review, review_changed),
    (post_delete, Review, review_changed),
    (post_save, Film, film_changed),
    (post_save, Credit, credit_changed),
    (post_delete, Credit, credit_changed),
    (post_save, Person, person_changed),
    (post_save, Tag, tag_changed),
    (post_save, TaggedItem, tagged_item_changed),
    (post_delete, TaggedItem, tagged_item_changed),
    (m2m_changed, TaggedItem, tags_changed),
]


def connect():
    for signal, sender, receiver in RECEIVERS:
        signal.connect(receiver, sender=sender, dispatch_uid=f"search-{receiver.__name__}")
