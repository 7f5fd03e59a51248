"""How alike two films are, and why: the scores and reasons behind the related films.

How two films are scored
------------------------
``score(A, B)`` is a sum of points, one term for each thing the two films share:

- tags: ``tag`` × rarity(tag) for every tag both carry. A published review's tags count
  as its film's.
- people: ``<role>`` × rarity(person) for every person credited in the same role on both
  (``director``, ``writer``, ``author`` of the adapted work, ``composer``,
  ``cinematographer``, ``cast``, ``producer``, ``editor``); ``other_role`` × rarity when
  the same person worked on both in different roles.
- mentions: ``mentioned`` for every published review of one film that names the other,
  and ``mentioned_together`` for every published review that names both; each counts at
  most ``mention_cap`` reviews.
- review text: ``review_text`` × the cosine similarity of what the two films' published
  reviews say (TF-IDF of their words, stop words left out, each film's ``text_terms``
  strongest terms), counted from ``text_min_similarity`` up.
- year: ``year`` × max(0, 1 − |year A − year B| / ``year_window``). A tie-breaker only:
  it is added to films that share something above, and never recommends one by itself.

rarity(x) = log(1 + N / n) / log(1 + N), with N films in the catalogue and n of them
carrying x: 1 for a tag or person on one film, near 0 for one on every film.

Films are ranked by score, and the ``RECOMMENDATIONS_STORED`` best are stored with their
reasons, strongest first, at most ``max_reasons`` of them.

Finding candidates
------------------
Nothing compares every pair of films. Candidates for a film come from inverted indexes
(tag → films, person → films, review term → films, mentions), and a tag, person or term
on more than ``candidate_cap`` films proposes none: "drama" would otherwise make every
drama a candidate for every other. It still adds its points to films found otherwise.
The best ``prefilter`` candidates by those points (on equal points, the lower id) are then
scored in full.
"""

import heapq
import html
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import Credit, Film, Review

WEIGHTS = {
    # Points for each shared tag, times the tag's rarity.
    "tag": 2.0,
    # Points for each person credited in the same role on both films, times their rarity.
    "director": 3.0,
    "writer": 2.0,
    "author": 3.0,  # of the work both films adapt
    "composer": 1.0,
    "cinematographer": 1.0,
    "cast": 1.0,
    "producer": 0.5,
    "editor": 0.5,
    # The same person in different roles (wrote one, directed the other), times rarity.
    "other_role": 0.5,
    # For each published review of one film that names the other.
    "mentioned": 2.0,
    # For each published review (of a third film) that names both.
    "mentioned_together": 1.0,
    # Times the cosine similarity (0 to 1) of the two films' published reviews.
    "review_text": 3.0,
    # Times closeness in years (1 the same year, 0 from year_window apart): a tie-breaker.
    "year": 0.25,
    # Reviews counted per kind of mention, at most.
    "mention_cap": 3,
    # How many of its strongest review words describe a film.
    "text_terms": 30,
    # Below this cosine similarity, review text is not a reason.
    "text_min_similarity": 0.1,
    # Years apart at which closeness in years is worth nothing.
    "year_window": 10,
    # A tag, person or review word on more films than this proposes no candidates.
    "candidate_cap": 300,
    # How many candidates per film, the best by their indexed points, are scored in full.
    "prefilter": 40,
    # Reasons stored per recommendation, strongest first.
    "max_reasons": 3,
}

ROLE_REASONS = {
    Credit.Role.DIRECTOR: "same director: {}",
    Credit.Role.WRITER: "same writer: {}",
    Credit.Role.AUTHOR: "from the same author: {}",
    Credit.Role.PRODUCER: "same producer: {}",
    Credit.Role.CINEMATOGRAPHER: "same cinematographer: {}",
    Credit.Role.EDITOR: "same editor: {}",
    Credit.Role.COMPOSER: "same composer: {}",
    Credit.Role.CAST: "same cast: {}",
}
OTHER_ROLE_REASON = "{} worked on both"
TAG_REASON = "both tagged {}"
MENTION_REASON = "mentioned together in a review"
TEXT_REASON = "reviews say similar things"
SAME_YEAR_REASON = "released the same year"
NEAR_YEAR_REASON = "released within 2 years"

_STOP_WORDS = """
    a about above after again against all almost also although always am among an and
    another any anyone anything are around as at away back be because been before being
    below between both but by can cannot could did do does doing done down during each
    either else enough even ever every few for from further get gets getting give given
    go goes going got had has have having he her here hers herself him himself his how
    however i if in into is it its itself just least less let like made make makes many
    may me might more most much must my myself never no nor not nothing now of off often
    on once one only onto or other others our ours ourselves out over own perhaps quite
    rather really same say says see seems seen several she should since so some something
    still such than that the their theirs them themselves then there these they thing
    things this those though through thus to too toward towards under until up upon us
    very was way we well were what whatever when where whether which while who whom whose
    why will with within without would yet you your yours yourself yourselves
    film films movie movies cinema story character characters scene scenes review director
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
WORD = re.compile(r"[^\W\d_]{3,}")
TAG = re.compile(r"<[^>]*>")


def weights():
    """The defaults above, with ``settings.RECOMMENDATION_WEIGHTS`` over them."""
    overrides = getattr(settings, "RECOMMENDATION_WEIGHTS", {})
    unknown = set(overrides) - set(WEIGHTS)
    if unknown:
        raise ImproperlyConfigured(
            f"RECOMMENDATION_WEIGHTS has unknown keys: {', '.join(sorted(unknown))}."
        )
    return {**WEIGHTS, **overrides}


def words(text):
    """The lowercased words of a text or HTML fragment, stop words and short words left out."""
    text = html.unescape(TAG.sub(" ", text)).lower()
    return [word for word in WORD.findall(text) if word not in STOP_WORDS]


def rarity(n, total):
    """1 for something on one film of ``total``, falling towards 0 as it is on all of them."""
    return math.log(1 + total / n) / math.log(1 + total)


def names(items, shown=2):
    """``A``, ``A and B``, ``A, B and 3 more``."""
    items = list(items)
    if len(items) <= shown:
        return " and ".join(items)
    return f"{', '.join(items[:shown])} and {len(items) - shown} more"


@dataclass
class CatalogueRows:
    """What scoring reads from the database: a handful of queries for the whole catalogue."""

    films: list  # (id, title, year)
    film_tags: list  # (film id, tag id, tag name)
    review_tags: list  # (film id, tag id, tag name), of published reviews
    credits: list  # (film id, person id, role, person name), in billing order
    reviews: list  # (film id, headline, dek, tagline, body_html), published
    mentions: list  # (review id, reviewed film id, mentioned film id), published reviews


def read_catalogue():
    """Read everything scoring needs, in six queries. Only published reviews are read.

    The queries do not share a snapshot, so rows about films created after the first one
    are dropped: those films are scored once their own change commits.
    """
    published = Review.objects.published().order_by()
    films = list(Film.objects.order_by().values_list("id", "title", "year"))
    known = {film_id for film_id, _, _ in films}
    rows = {
        "films": films,
        "film_tags": list(
            Film.objects.order_by()
            .filter(tags__isnull=False)
            .values_list("id", "tags__id", "tags__name")
        ),
        "review_tags": list(
            published.filter(tags__isnull=False).values_list("film_id", "tags__id", "tags__name")
        ),
        "credits": list(
            Credit.objects.order_by("position", "id").values_list(
                "film_id", "person_id", "role", "person__name"
            )
        ),
        "reviews": list(
            published.values_list("film_id", "headline", "dek", "tagline", "body_html")
        ),
        "mentions": list(
            published.filter(mentioned_films__isnull=False).values_list(
                "id", "film_id", "mentioned_films"
            )
        ),
    }
    # Each kind of row names its film first, but for mentions: (review, film, film named).
    film_columns = {"mentions": (1, 2)}
    return CatalogueRows(
        **{
            name: [
                row
                for row in found
                if all(row[column] in known for column in film_columns.get(name, (0,)))
            ]
            for name, found in rows.items()
        }
    )


class Scored(NamedTuple):
    film_id: int
    score: float
    reasons: list


class Catalogue:
    """The catalogue indexed for scoring: features per film and films per feature."""

    def __init__(self, rows, weights):
        self.weights = w = weights
        self.cap = w["candidate_cap"]
        self.titles = {film_id: title for film_id, title, _ in rows.films}
        self.years = {film_id: year for film_id, _, year in rows.films}
        self.total = max(len(self.titles), 1)

        self.tags = defaultdict(set)
        self.tag_names = {}
        for film_id, tag_id, name in (*rows.film_tags, *rows.review_tags):
            self.tags[film_id].add(tag_id)
            self.tag_names[tag_id] = name
        self.tag_films = self._invert(self.tags)
        self.tag_rarity = {t: rarity(len(f), self.total) for t, f in self.tag_films.items()}

        roles = defaultdict(dict)  # film → {person: set of roles}, in billing order
        self.person_names = {}
        for film_id, person_id, role, name in rows.credits:
            roles[film_id].setdefault(person_id, set()).add(role)
            self.person_names[person_id] = name
        # One frozenset per combination of roles, so that equal ones are the same object.
        interned = {}
        self.people = {
            film_id: {p: interned.setdefault(key := frozenset(r), key) for p, r in ps.items()}
            for film_id, ps in roles.items()
        }
        self.person_films = defaultdict(list)
        for film_id, people in self.people.items():
            for person_id, person_roles in people.items():
                self.person_films[person_id].append((film_id, person_roles))
        self.person_rarity = {p: rarity(len(f), self.total) for p, f in self.person_films.items()}
        self._role_points = {}

        self.vectors = self._review_vectors(rows.reviews)
        self.term_films = defaultdict(list)
        for film_id, vector in self.vectors.items():
            for term, weight in vector.items():
                self.term_films[term].append((film_id, weight))

        self.mentions = self._mention_counts(rows.mentions)

    @staticmethod
    def _invert(features):
        inverted = defaultdict(list)
        for film_id, keys in features.items():
            for key in keys:
                inverted[key].append(film_id)
        return inverted

    def _review_vectors(self, reviews):
        """Per film with published reviews: its strongest terms, TF-IDF, of unit length."""
        counts = defaultdict(Counter)
        for film_id, *texts in reviews:
            counts[film_id].update(words(" ".join(texts)))
        documents = len(counts)
        frequency = Counter(term for terms in counts.values() for term in terms)
        # A term in one film's reviews alone cannot make two films alike: it gets no weight.
        idf = {
            term: math.log((1 + documents) / (1 + n)) + 1 for term, n in frequency.items() if n > 1
        }
        most = max((max(terms.values()) for terms in counts.values()), default=0)
        tf = [0.0, *(1 + math.log(count) for count in range(1, most + 1))]
        limit = self.weights["text_terms"]
        vectors = {}
        for film_id, terms in counts.items():
            weighted = {term: tf[count] * idf[term] for term, count in terms.items() if term in idf}
            strongest = heapq.nlargest(limit, weighted.items(), key=itemgetter(1))
            length = math.sqrt(sum(weight * weight for _, weight in strongest))
            if length:
                vectors[film_id] = {term: weight / length for term, weight in strongest}
        return vectors

    @staticmethod
    def _mention_counts(mentions):
        """``{film: {other: [reviews of one naming the other, reviews naming both]}}``."""
        counts = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        named = defaultdict(set)
        for review_id, film_id, mentioned_id in mentions:
            named[review_id].add(mentioned_id)
            if mentioned_id != film_id:
                counts[film_id][mentioned_id][0] += 1
                counts[mentioned_id][film_id][0] += 1
        reviewed = {review_id: film_id for review_id, film_id, _ in mentions}
        for review_id, films in named.items():
            films = sorted(films - {reviewed[review_id]})
            for i, first in enumerate(films):
                for second in films[i + 1 :]:
                    counts[first][second][1] += 1
                    counts[second][first][1] += 1
        return counts

    def role_points(self, roles_a, roles_b):
        key = (roles_a, roles_b)
        if key not in self._role_points:
            shared = roles_a & roles_b
            w = self.weights
            self._role_points[key] = (
                sum(w.get(role, 0.0) for role in shared) if shared else w["other_role"]
            )
        return self._role_points[key]

    def mention_points(self, own, together):
        w = self.weights
        cap = w["mention_cap"]
        return w["mentioned"] * min(own, cap) + w["mentioned_together"] * min(together, cap)

    def indexed_points(self, film_id):
        """``{candidate: points}`` from every feature of the film that proposes candidates."""
        w, cap = self.weights, self.cap
        points = defaultdict(float)
        for tag in self.tags.get(film_id, ()):
            films = self.tag_films[tag]
            if len(films) <= cap:
                value = w["tag"] * self.tag_rarity[tag]
                for other in films:
                    points[other] += value
        for person, roles in self.people.get(film_id, {}).items():
            films = self.person_films[person]
            if len(films) <= cap:
                scale = self.person_rarity[person]
                same = self.role_points(roles, roles) * scale
                for other, other_roles in films:
                    if other_roles is roles:
                        points[other] += same
                    else:
                        points[other] += self.role_points(roles, other_roles) * scale
        for term, weight in self.vectors.get(film_id, {}).items():
            films = self.term_films[term]
            if len(films) <= cap:
                value = w["review_text"] * weight
                for other, other_weight in films:
                    points[other] += value * other_weight
        for other, (own, together) in self.mentions.get(film_id, {}).items():
            points[other] += self.mention_points(own, together)
        points.pop(film_id, None)
        return points

    def score(self, a, b):
        """``(score, shared)`` of recommending ``b`` after ``a``, or None if nothing counts.

        ``shared`` is ``[(points, reason template, tag ids or person names)]``;
        ``reasons()`` puts it into words.
        """
        w = self.weights
        shared = []
        people_b = self.people.get(b)
        if people_b:
            by_role = {}
            for person, roles in self.people.get(a, {}).items():
                if person in people_b:
                    scale = self.person_rarity[person]
                    for role in sorted(roles & people_b[person]) or ["other_role"]:
                        entry = by_role.setdefault(role, [0.0, []])
                        entry[0] += w.get(role, 0.0) * scale
                        entry[1].append(self.person_names[person])
            for role, (points, people) in by_role.items():
                shared.append((points, ROLE_REASONS.get(role, OTHER_ROLE_REASON), people))

        tags_b = self.tags.get(b)
        if tags_b:
            tags = self.tags.get(a, set()) & tags_b
            if tags:
                points = w["tag"] * sum(self.tag_rarity[tag] for tag in tags)
                shared.append((points, TAG_REASON, tags))

        counts = self.mentions.get(a)
        if counts and b in counts:
            shared.append((self.mention_points(*counts[b]), MENTION_REASON, None))

        vector_a, vector_b = self.vectors.get(a), self.vectors.get(b)
        if vector_a and vector_b:
            similarity = sum(weight * vector_b.get(term, 0.0) for term, weight in vector_a.items())
            if similarity >= w["text_min_similarity"]:
                shared.append((w["review_text"] * similarity, TEXT_REASON, None))

        shared = [entry for entry in shared if entry[0] > 0]
        if not shared:
            return None
        score = sum(entry[0] for entry in shared)
        apart = abs(self.years[a] - self.years[b])
        score += w["year"] * max(0.0, 1 - apart / w["year_window"])
        return score, shared

    def reasons(self, a, b, shared):
        """The strongest of what two films share, in a few words each; then their years."""
        limit = self.weights["max_reasons"]
        reasons = []
        for _, template, items in sorted(shared, key=itemgetter(0), reverse=True)[:limit]:
            if template == TAG_REASON:
                items = sorted(items, key=lambda tag: (-self.tag_rarity[tag], self.tag_names[tag]))
                items = [self.tag_names[tag] for tag in items]
            reasons.append(template.format(names(items)) if items else template)
        apart = abs(self.years[a] - self.years[b])
        if len(reasons) < limit and apart <= 2:
            reasons.append(SAME_YEAR_REASON if apart == 0 else NEAR_YEAR_REASON)
        return reasons

    def pair_points(self, film_id, other):
        """``indexed_points(film_id)[other]``, added up in the same order, to the last digit."""
        w, cap = self.weights, self.cap
        points = 0.0
        other_tags = self.tags.get(other, ())
        for tag in self.tags.get(film_id, ()):
            if tag in other_tags and len(self.tag_films[tag]) <= cap:
                points += w["tag"] * self.tag_rarity[tag]
        other_people = self.people.get(other, {})
        for person, roles in self.people.get(film_id, {}).items():
            if person in other_people and len(self.person_films[person]) <= cap:
                points += self.role_points(roles, other_people[person]) * self.person_rarity[person]
        other_vector = self.vectors.get(other, {})
        for term, weight in self.vectors.get(film_id, {}).items():
            if term in other_vector and len(self.term_films[term]) <= cap:
                points += w["review_text"] * weight * other_vector[term]
        counts = self.mentions.get(film_id)
        if counts and other in counts:
            points += self.mention_points(*counts[other])
        return points

    def sort_key(self, film_id, score):
        """How films rank in a list: best score first, then by title, then by id."""
        return (-score, self.titles[film_id], film_id)

    def rank(self, film_id, count):
        """The film's ``Ranking``: its ``count`` best films and what bounds its list."""
        points = self.indexed_points(film_id)
        limit = max(self.weights["prefilter"], count)
        cutoff = None
        if len(points) > limit:
            best = heapq.nlargest(limit, points.items(), key=candidate_key)
            points, cutoff = dict(best), best[-1][::-1]
        scored = []
        for other in points:
            result = self.score(film_id, other)
            if result is not None:
                scored.append((other, *result))
        scored.sort(key=lambda entry: self.sort_key(entry[0], entry[1]))
        listed = [
            Scored(other, score, self.reasons(film_id, other, shared))
            for other, score, shared in scored[:count]
        ]
        following = scored[count][:2] if len(scored) > count else None
        return Ranking(
            listed,
            cutoff,
            points.keys() - {entry.film_id for entry in listed},
            following,
        )

    def recommend(self, film_id, count):
        """The ``count`` best films to follow this one, best first, as ``Scored``."""
        return self.rank(film_id, count).listed


def candidate_key(item):
    """How candidates ``(film id, indexed points)`` are chosen: most points, then lowest id."""
    return item[1], -item[0]


class Ranking(NamedTuple):
    """A film's list, and what a refresh needs to tell whether a change can alter it.

    ``cutoff``: ``(indexed points, film id)`` of the last candidate scored in full, by
    ``candidate_key`` (None when every film the indexes propose was scored): every film
    outside them comes after it.
    ``unlisted``: the ids of the candidates scored but not listed. ``following``: ``(id,
    score)`` of the best of them, the one a listed film that falls out gives its place
    to, or None.
    """

    listed: list
    cutoff: tuple | None
    unlisted: set
    following: tuple | None


def load_catalogue():
    return Catalogue(read_catalogue(), weights())
