"""Related films: the editors' picks first, then the films the site finds alike, with reasons.

The scores and reasons come from ``reviews.similarity``; this module stores each film's
best ``RECOMMENDATIONS_STORED`` and reads them back beside the editors' picks.

Keeping the stored lists current
--------------------------------
``recompute_all()`` rewrites every list; ``refresh(film_ids)`` rewrites the lists of the
films given and of the films whose lists they may enter, leave or move in. A refresh
leaves the rarity of a tag or person as it was in other films' lists until the next
``recompute_all()`` (``manage.py recompute_recommendations``).
"""

from collections import defaultdict
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F, JSONField, Value

from .models import Film, Recommendation, RelatedFilm
from .similarity import load_catalogue


def _compute(catalogue, film_ids):
    count = settings.RECOMMENDATIONS_STORED
    return [
        (film_id, position, scored)
        for film_id in sorted(film_ids)
        for position, scored in enumerate(catalogue.recommend(film_id, count), start=1)
    ]


def _write(rows, batch_size=2000):
    """Store ``(film id, position, Scored)`` rows; the caller holds the transaction."""
    rows = iter(rows)
    written = 0
    while batch := list(islice(rows, batch_size)):
        Recommendation.objects.bulk_create(
            Recommendation(
                film_id=film_id,
                recommended_id=scored.film_id,
                score=scored.score,
                reasons=scored.reasons,
                position=position,
            )
            for film_id, position, scored in batch
        )
        written += len(batch)
    return written


def _chunks(values, size=500):
    values = list(values)
    return (values[i : i + size] for i in range(0, len(values), size))


def recompute_all():
    """Score every film and replace every stored list in one transaction; return the count."""
    catalogue = load_catalogue()
    # Scored before the transaction starts: SQLite takes its write lock at BEGIN.
    rows = _compute(catalogue, catalogue.titles)
    with transaction.atomic():
        Recommendation.objects.all().delete()
        return _write(rows)


def refresh(film_ids):
    """Rescore these films, and every film whose stored list they may enter, leave or move in.

    Those are the films whose list holds one of them, and the films that would now rank
    one of them above the last of their list. Ids of films since deleted are allowed.
    Returns the ids of the films whose list readers see has changed.
    """
    film_ids = set(film_ids)
    if not film_ids:
        return set()
    catalogue = load_catalogue()
    count = settings.RECOMMENDATIONS_STORED
    changed = film_ids & catalogue.titles.keys()
    affected = set(changed)
    for chunk in _chunks(film_ids):
        listing = Recommendation.objects.filter(recommended_id__in=chunk)
        affected.update(listing.values_list("film_id", flat=True))
    scores = defaultdict(float)  # the best score a changed film has after each other film
    for film_id in changed:
        for other in catalogue.indexed_points(film_id):
            result = catalogue.score(other, film_id)
            if result is not None:
                scores[other] = max(scores[other], result[0])
    last = {}  # the score of the last film of each full list
    for chunk in _chunks(scores):
        full = Recommendation.objects.filter(film_id__in=chunk, position=count)
        last.update(full.values_list("film_id", "score"))
    affected.update(other for other, score in scores.items() if score >= last.get(other, 0))
    affected &= catalogue.titles.keys()
    rows = list(_compute(catalogue, affected))
    after = defaultdict(list)
    for film_id, position, scored in rows:
        after[film_id].append((position, scored.film_id, scored.reasons, scored.score))
    with transaction.atomic():
        before = defaultdict(list)
        for chunk in _chunks(affected):
            stored = Recommendation.objects.filter(film_id__in=chunk)
            for film_id, *row in stored.values_list(
                "film_id", "position", "recommended_id", "reasons", "score"
            ):
                before[film_id].append(tuple(row))
        # Most lists rescored come out as they were: only the others are written again.
        rewritten = {film_id for film_id in affected if sorted(before[film_id]) != after[film_id]}
        for chunk in _chunks(rewritten):
            Recommendation.objects.filter(film_id__in=chunk).delete()
        _write(row for row in rows if row[0] in rewritten)
    return {film_id for film_id in rewritten if shown(before[film_id]) != shown(after[film_id])}


def shown(rows):
    """What readers see of a stored list: the films in order and their reasons."""
    return sorted((position, film_id, reasons) for position, film_id, reasons, _ in rows)


class RelatedEntry(NamedTuple):
    """One film of a page's "watch next" list."""

    film: Film
    reasons: list
    curated: bool


def blended_related(film, shown=None):
    """The editors' picks in their order, then up to ``shown`` computed recommendations.

    ``shown`` defaults to ``settings.RELATED_FILMS_SHOWN``. The editors' list is never
    cut: they chose its length. Computed films already picked, or the film itself, are
    left out. One query reads both lists, with the titles, years and slugs of their films.
    """
    shown = settings.RELATED_FILMS_SHOWN if shown is None else shown
    columns = ["title", "year", "slug"]

    def rows(links, to, curated, reasons):
        return (
            links.filter(film=film)
            .order_by()
            .annotate(is_curated=Value(curated), said=reasons)
            .values_list(
                f"{to}_id",
                *(f"{to}__{name}" for name in columns),
                "position",
                "id",
                "is_curated",
                "said",
            )
        )

    both = rows(RelatedFilm.objects, "related", True, Value(None, output_field=JSONField()))
    if shown > 0:
        computed = rows(Recommendation.objects, "recommended", False, F("reasons"))
        both = computed.union(both, all=True)
    # The order the editor gave (ties: the order added), then the computed ranking.
    both = both.order_by("-is_curated", "position", "id")
    related, computed, taken = [], [], {film.pk}
    for pk, *values, _position, _id, curated, reasons in both:
        if pk in taken:
            continue
        other = Film.from_db(both.db, ["id", *columns], [pk, *values])
        if curated:
            related.append(RelatedEntry(other, [], True))
            taken.add(pk)
        elif len(computed) < shown:
            computed.append(RelatedEntry(other, reasons, False))
    return related + computed
