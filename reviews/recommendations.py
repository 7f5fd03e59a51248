"""Related films: the editors' picks first, then the films the site finds alike, with reasons.

The scores and reasons come from ``reviews.similarity``; this module stores each film's
best ``RECOMMENDATIONS_STORED`` and reads them back beside the editors' picks.

Keeping the stored lists current
--------------------------------
``recompute_all()`` rewrites every list; ``refresh(film_ids)`` rewrites the lists of the
films given and of the films whose lists they may enter, leave or move in. Beside each
list it stores the list's bounds (``RecommendationBounds``: the prefilter's cut-off, the
candidates scored but not listed, the best of them), from which a refresh tells which
lists a changed film can alter, and works out most of those without scoring them again.
A refresh leaves the rarity of a tag or person as it was in other films' lists until the
next ``recompute_all()`` (``manage.py recompute_recommendations``): with that aside, the
lists it stores are those scoring every film again would.
"""

from collections import defaultdict
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.db import router, transaction
from django.db.models import F, JSONField, Value

from core.prepared import PreparedQuery

from .models import Film, Recommendation, RecommendationBounds, RelatedFilm
from .similarity import candidate_key, load_catalogue

# Indexed points summed in another order can differ in their last digits.
EPSILON = 1e-9


class Bounds(NamedTuple):
    """What bounds a film's list (``similarity.Ranking``), as stored in RecommendationBounds."""

    cutoff: tuple | None  # (indexed points, film id)
    unlisted: frozenset
    following: tuple | None  # (film id, score)


def _rank(catalogue, film_ids):
    """``{film id: (rows, Bounds)}``, rows ``(position, film id, reasons, score)``."""
    count = settings.RECOMMENDATIONS_STORED
    ranked = {}
    for film_id in sorted(film_ids):
        ranking = catalogue.rank(film_id, count)
        rows = [
            (position, scored.film_id, scored.reasons, scored.score)
            for position, scored in enumerate(ranking.listed, start=1)
        ]
        ranked[film_id] = (
            rows,
            Bounds(ranking.cutoff, frozenset(ranking.unlisted), ranking.following),
        )
    return ranked


def _write(lists, batch_size=2000):
    """Store ``{film id: rows}``; the caller holds the transaction and has deleted the
    films' rows before."""
    rows = ((film_id, *row) for film_id, film_rows in lists.items() for row in film_rows)
    written = 0
    while batch := list(islice(rows, batch_size)):
        Recommendation.objects.bulk_create(
            Recommendation(
                film_id=film_id,
                recommended_id=recommended_id,
                score=score,
                reasons=reasons,
                position=position,
            )
            for film_id, position, recommended_id, reasons, score in batch
        )
        written += len(batch)
    return written


def _write_bounds(bounds):
    """Store ``{film id: Bounds}`` over what was stored; the caller holds the transaction."""
    RecommendationBounds.objects.bulk_create(
        (
            RecommendationBounds(
                film_id=film_id,
                cutoff=bound.cutoff[0] if bound.cutoff else None,
                cutoff_film_id=bound.cutoff[1] if bound.cutoff else None,
                unlisted=sorted(bound.unlisted),
                following_id=bound.following[0] if bound.following else None,
                following_score=bound.following[1] if bound.following else None,
            )
            for film_id, bound in bounds.items()
        ),
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["film"],
        update_fields=["cutoff", "cutoff_film_id", "unlisted", "following_id", "following_score"],
    )


def _read_bounds():
    stored = RecommendationBounds.objects.values_list(
        "film_id", "cutoff", "cutoff_film_id", "unlisted", "following_id", "following_score"
    )
    return {
        film_id: Bounds(
            None if cutoff is None else (cutoff, cutoff_id),
            frozenset(unlisted),
            None if following is None else (following, score),
        )
        for film_id, cutoff, cutoff_id, unlisted, following, score in stored
    }


def _chunks(values, size=500):
    values = list(values)
    return (values[i : i + size] for i in range(0, len(values), size))


def recompute_all():
    """Score every film and replace every stored list in one transaction; return the count."""
    catalogue = load_catalogue()
    # Scored before the transaction starts: SQLite takes its write lock at BEGIN.
    ranked = _rank(catalogue, catalogue.titles)
    with transaction.atomic():
        Recommendation.objects.all().delete()
        RecommendationBounds.objects.all().delete()
        _write_bounds({film_id: bound for film_id, (_, bound) in ranked.items()})
        return _write({film_id: rows for film_id, (rows, _) in ranked.items()})


def refresh(film_ids):
    """Bring up to date the lists of these films, and of every film whose list they may
    enter, leave or move in. Ids of films since deleted are allowed.

    The lists of the films given are scored again. Another film's list can change only if
    one of them is in it, or among its candidates, or now has the indexed points to become
    one (its stored bounds tell). Where each of them that is stays a candidate and none
    becomes one, the list is worked out from the stored one (``_adjusted``); else it is
    scored again.
    Returns the ids of the films whose list readers see has changed.
    """
    film_ids = set(film_ids)
    if not film_ids:
        return set()
    catalogue = load_catalogue()
    changed = film_ids & catalogue.titles.keys()
    bounds = _read_bounds()
    near = defaultdict(dict)  # {film: {film given: its indexed points from that film}}
    for film_id in changed:
        for other, points in catalogue.indexed_points(film_id).items():
            near[other][film_id] = points
    held = defaultdict(set)  # {film: the films given that its list or candidates hold}
    for chunk in _chunks(film_ids):
        listing = Recommendation.objects.filter(recommended_id__in=chunk)
        for film_id, other in listing.values_list("film_id", "recommended_id"):
            held[film_id].add(other)
    for film_id, bound in bounds.items():
        if held_here := bound.unlisted & film_ids:
            held[film_id].update(held_here)

    rescore, adjust = _sort_out(catalogue, changed, bounds, near, held)
    adjust = {
        film_id: others
        for film_id, others in adjust.items()
        if not all(_stays_out(catalogue, film_id, other, bounds[film_id]) for other in others)
    }
    before = defaultdict(list)
    for chunk in _chunks(rescore | adjust.keys()):
        stored = Recommendation.objects.filter(film_id__in=chunk)
        for film_id, *row in stored.values_list(
            "film_id", "position", "recommended_id", "reasons", "score"
        ):
            before[film_id].append(tuple(row))
    after = _rank(catalogue, rescore)
    for film_id, others in adjust.items():
        worked_out = before[film_id], bounds[film_id]
        for other in others:
            worked_out = worked_out and _adjusted(catalogue, film_id, other, *worked_out)
        after[film_id] = worked_out or _rank(catalogue, [film_id])[film_id]

    # Most lists come out as they were: only the others are written again.
    rewritten = {film_id for film_id, (rows, _) in after.items() if sorted(before[film_id]) != rows}
    rebounded = {
        film_id: bound for film_id, (_, bound) in after.items() if bounds.get(film_id) != bound
    }
    with transaction.atomic():
        for chunk in _chunks(rewritten):
            Recommendation.objects.filter(film_id__in=chunk).delete()
        _write({film_id: after[film_id][0] for film_id in rewritten})
        _write_bounds(rebounded)
    return {film_id for film_id in rewritten if shown(before[film_id]) != shown(after[film_id][0])}


def _sort_out(catalogue, changed, bounds, near, held):
    """``(films to score again, {film: the changed films to work into its list})``.

    ``near``: ``{film: {changed film: its indexed points from that film}}``; ``held``:
    ``{film: the films given that its list or candidates hold}``.
    """
    rescore, adjust = set(changed), {}
    for film_id in (near.keys() | held.keys()) - changed:
        if film_id not in catalogue.titles:
            continue
        bound = bounds.get(film_id)
        if bound is None:  # never ranked with its bounds: only scoring it again can tell
            rescore.add(film_id)
            continue
        moving, staying = False, []
        for other in near[film_id].keys() | held[film_id]:
            points = near[film_id].get(other, 0.0)
            if bound.cutoff and other not in held[film_id] and points < bound.cutoff[0] - EPSILON:
                continue  # far from becoming a candidate
            if points > 0:  # counted from the other side: to the last digit, from this one
                points = catalogue.pair_points(film_id, other)
            key = candidate_key((other, points))
            is_candidate = points > 0 and (
                bound.cutoff is None or key >= candidate_key(bound.cutoff[::-1])
            )
            if other in held[film_id] and is_candidate:
                staying.append(other)
            elif other in held[film_id] or is_candidate:
                moving = True  # it leaves the candidates, or becomes one and may push one out
        if moving:
            rescore.add(film_id)
        elif staying:
            adjust[film_id] = sorted(staying)
    return rescore, adjust


def _stays_out(catalogue, film_id, other, bound):
    """Whether ``other``, a candidate of the film's not listed, stays behind the best of
    those: then the film's list and bounds are as they were, and need not be read."""
    following = bound.following
    if other not in bound.unlisted or following is None or following[0] == other:
        return False
    if following[0] not in catalogue.titles:
        return False
    result = catalogue.score(film_id, other)
    return result is None or catalogue.sort_key(other, result[0]) > catalogue.sort_key(*following)


def _adjusted(catalogue, film_id, other, rows, bound):
    """``(rows, Bounds)`` of the film's list once ``other``, one of its candidates that
    stays one, has changed: worked out from the stored list, as scoring the film again
    would give it, or None when only scoring it again can tell.

    The other candidates' scores have not changed, so the list is the stored one with
    ``other`` scored again: in it, or out of it, in its place by score.
    """
    count = settings.RECOMMENDATIONS_STORED
    key = catalogue.sort_key
    following = bound.following
    if following and (following[0] == other or following[0] not in catalogue.titles):
        return None  # who follows it now is not known
    entries = [(rid, reasons, score) for _, rid, reasons, score in sorted(rows) if rid != other]
    was_listed = len(entries) < len(rows)
    result = catalogue.score(film_id, other)
    unlisted = set(bound.unlisted)
    if result is None:
        if was_listed:
            return None  # it falls out, and the one following takes its place
        changed = (other, None, None)
    else:
        changed = (other, catalogue.reasons(film_id, other, result[1]), result[0])
    if was_listed:
        if following and key(other, result[0]) >= key(*following):
            return None
        entries.append(changed)
    elif result is not None:
        entries.sort(key=lambda entry: key(entry[0], entry[2]))
        if len(entries) < count:
            entries.append(changed)
            unlisted.discard(other)
        elif key(other, result[0]) < key(entries[-1][0], entries[-1][2]):
            dropped = entries.pop()
            entries.append(changed)
            unlisted.discard(other)
            unlisted.add(dropped[0])
            following = (dropped[0], dropped[2])
        elif following is None or key(other, result[0]) < key(*following):
            following = (other, result[0])
    entries.sort(key=lambda entry: key(entry[0], entry[2]))
    rows = [
        (position, rid, reasons, score) for position, (rid, reasons, score) in enumerate(entries, 1)
    ]
    return rows, Bounds(bound.cutoff, frozenset(unlisted), following)


def shown(rows):
    """What readers see of a stored list: the films in order and their reasons."""
    return sorted((position, film_id, reasons) for position, film_id, reasons, _ in rows)


RELATED_COLUMNS = ["title", "year", "slug"]


def links_of(film_pk, links, to, curated, reasons):
    """A film's links to others (``RelatedFilm`` or ``Recommendation``) as the list of
    films to watch next reads them: the other film's pk, title, year and slug, the link's
    position and pk, whether the editors chose it and the reasons shown."""
    return (
        links.filter(film=film_pk)
        .order_by()
        .annotate(is_curated=Value(curated), said=reasons)
        .values_list(
            f"{to}_id",
            *(f"{to}__{name}" for name in RELATED_COLUMNS),
            "position",
            "id",
            "is_curated",
            "said",
        )
    )


def curated_links(film_pk):
    return links_of(
        film_pk, RelatedFilm.objects, "related", True, Value(None, output_field=JSONField())
    )


def curated_and_computed_links(film_pk):
    computed = links_of(film_pk, Recommendation.objects, "recommended", False, F("reasons"))
    return computed.union(curated_links(film_pk), all=True).order_by(*LINKS_ORDER)


# The order the editor gave (ties: the order added), then the computed ranking.
LINKS_ORDER = ["-is_curated", "position", "id"]
# Read on each render of a film's page and its reviews': compiled once (core.prepared).
CURATED_ONLY = PreparedQuery(lambda film_pk: curated_links(film_pk).order_by(*LINKS_ORDER))
CURATED_AND_COMPUTED = PreparedQuery(curated_and_computed_links)


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
    links = CURATED_AND_COMPUTED if shown > 0 else CURATED_ONLY
    database = router.db_for_read(Film, instance=film)
    rows = links(film.pk, using=database)
    related, computed, taken = [], [], {film.pk}
    for pk, *values, _position, _id, curated, reasons in rows:
        if pk in taken:
            continue
        other = Film.from_db(database, ["id", *RELATED_COLUMNS], [pk, *values])
        if curated:
            related.append(RelatedEntry(other, [], True))
            taken.add(pk)
        elif len(computed) < shown:
            computed.append(RelatedEntry(other, reasons, False))
    return related + computed
