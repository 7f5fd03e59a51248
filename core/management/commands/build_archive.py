"""``manage.py build_archive``: a large synthetic archive, to see how the site behaves at scale.

It lives in the comments app because it writes both apps' tables, and comments may depend
on reviews while reviews must not depend on comments.

    manage.py build_archive                      # 10,000 films, 100,000 reviews,
                                                 # 1,000,000 comments, 5,000 tags
    manage.py build_archive --films 50 --reviews 200 --comments 2000 --tags 40 --seed 7

Rows go in with ``bulk_create`` (comments, the largest table, with a leaner insert of
their own, COPY on PostgreSQL), in one transaction, with ids chosen here so that replies
can name their parents before either is written. Bulk inserts send no signals, so nothing
is reindexed, rescored or invalidated row by row; the command rebuilds the search
documents of the new reviews once at the end, and leaves recommendations to
``--recommendations`` (or ``manage.py recompute_recommendations``).
"""

import itertools
import math
import random
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import DateTimeField, Max
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from comments.models import Comment, Discussion
from comments.services import count_approved_comments
from comments.text import render_comment_text
from core import pagecache
from core.management import archive_text as text
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
from reviews.ratings import HALF_STAR, WHOLE_STAR

from .seed import read_fixture_objects

YEARS_OF_REVIEWS = 15
REVIEWED_SHARE = 0.3
RATED_SHARE = 0.25
REPLY_SHARE = 0.42  # of comments that could be replies; about 30% of all end up replies
MAX_DEPTH = 2  # a reply to a reply, and no deeper
FULL_CAST_SHARE = 0.01  # of films, at least one: a credited cast as long as a big production's
FULL_CAST = 190  # with the crew, about 200 credits
COMMENT_STATUSES = [  # (status, share, why held)
    (Comment.Status.PENDING, 0.03, None),
    (Comment.Status.SPAM, 0.01, None),
    (Comment.Status.REJECTED, 0.01, Comment.Reason.MODERATION),
    (Comment.Status.APPROVED, 0.95, Comment.Reason.MODERATION),
]
PENDING_REASONS = [
    (Comment.Reason.MODERATION, 0.85),
    (Comment.Reason.LINKS, 0.1),
    (Comment.Reason.TOO_FAST, 0.05),
]
SPAM_REASONS = [(Comment.Reason.BLOCKED_WORD, 0.7), (Comment.Reason.HONEYPOT, 0.3)]
SPAM_BODIES = [
    "Best casino bonus of the year, click https://spam.example.com/bonus now",
    "Cheap payday loan approved in minutes: https://spam.example.com/loan",
    "Great review!! Visit my site https://spam.example.com for casino bonus codes",
]
# Scales critics rate on, how often, and the steps each allows.
RATING_SCALES = [
    (4, 0.3, (WHOLE_STAR, HALF_STAR)),
    (5, 0.5, (WHOLE_STAR, HALF_STAR)),
    (10, 0.2, (WHOLE_STAR,)),
]


def zipf_cum_weights(n, exponent):
    """Cumulative weights for ``random.choices`` over ranks 0..n-1: rank r has weight
    (r + 1) ** -exponent, so a few are chosen often and most rarely."""
    return list(itertools.accumulate((rank + 1) ** -exponent for rank in range(n)))


def pick(rng, shares):
    """One value of ``[(value, share, ...), ...]``, chosen with those shares."""
    roll, total = rng.random(), 0.0
    for value, share, *_ in shares:
        total += share
        if roll < total:
            return value
    return shares[-1][0]


class Slugs:
    """Unique slugs: the first "the-quiet-harbour" as is, later ones "-2", "-3"."""

    def __init__(self, taken, max_length):
        self.taken, self.max_length = set(taken), max_length

    def __call__(self, value):
        base = slugify(value)[: self.max_length - 8].strip("-") or "item"
        slug, n = base, 2
        while slug in self.taken:
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(slug)
        return slug


class Command(BaseCommand):
    help = (
        "Build a large synthetic archive of films, reviews, tags and comments with bulk "
        "inserts, to try the site at scale. Refused in production mode, and on a database "
        "holding more than the seed content unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--films", type=int, default=10_000)
        parser.add_argument("--reviews", type=int, default=100_000)
        parser.add_argument("--comments", type=int, default=1_000_000)
        parser.add_argument("--tags", type=int, default=5_000)
        parser.add_argument(
            "--people", type=int, default=None, help="Default: twice the number of films."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed: the same seed builds the same archive (its dates relative to now).",
        )
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument(
            "--force", action="store_true", help="Add to a database that already has content."
        )
        parser.add_argument(
            "--recommendations",
            action="store_true",
            help="Recompute every film's recommendations afterwards (slow at full size).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Refusing to build a synthetic archive in production mode.")
        for name in ("films", "reviews", "comments", "tags", "people"):
            if (options[name] or 0) < 0:
                raise CommandError(f"--{name} cannot be negative.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not options["force"]:
            self.refuse_unless_only_seed_content()
        self.options = options
        self.rng = random.Random(options["seed"])
        self.batch_size = options["batch_size"]
        self.now = timezone.now().replace(microsecond=0)
        started = time.perf_counter()

        with self.fast_loading():
            with transaction.atomic():
                tags = self.step("tags", self.build_tags)
                people = self.step("people", self.build_people)
                films = self.step("films, credits and film tags", self.build_films, people, tags)
                reviews = self.step("reviews", self.build_reviews, films, tags)
                self.step("comments", self.build_comments, reviews)
                self.step("comment counts", self.count_comments, reviews)
                self.step("tag counts", count_tag_usage)
                self.reset_sequences()
            self.step("search index", self.build_search_index, reviews)
            if options["recommendations"]:
                self.step("recommendations", recommendations.recompute_all)
            self.step("planner statistics", self.analyze)
        self.mark_pages_stale()
        self.stdout.write(
            self.style.SUCCESS(f"Archive built in {time.perf_counter() - started:.0f} s.")
        )

    # Safety and speed

    def refuse_unless_only_seed_content(self):
        seed = Counter(obj["model"] for obj in read_fixture_objects())
        for model in (Film, Person, Review, Comment, Tag):
            label = model._meta.label_lower
            if model.objects.count() > seed[label]:
                raise CommandError(
                    f"The database already holds more {model._meta.verbose_name_plural} than "
                    "the seed content. Build the archive in an empty (or seed-only) database, "
                    "or add to this one with --force."
                )

    @contextmanager
    def fast_loading(self):
        """Loading settings for this connection: on SQLite, no fsync and a large cache; on
        PostgreSQL, commits that do not wait for the disk. Fine for a load one can redo."""
        loading, normal = {
            "sqlite": (
                [
                    "PRAGMA synchronous = OFF",
                    "PRAGMA cache_size = -1048576",
                    "PRAGMA temp_store = MEMORY",
                ],
                ["PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -2000"],
            ),
            "postgresql": (["SET synchronous_commit = off"], ["SET synchronous_commit = on"]),
        }.get(connection.vendor, ([], []))
        if connection.in_atomic_block:  # SQLite refuses to change them in a transaction
            loading, normal = [], []
        with connection.cursor() as cursor:
            for statement in loading:
                cursor.execute(statement)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for statement in normal:
                    cursor.execute(statement)

    def step(self, label, function, *args):
        self.stdout.write(f"{label}…")
        self.stdout.flush()
        started = time.perf_counter()
        result = function(*args)
        self.stdout.write(f"  {label}: done in {time.perf_counter() - started:.1f} s")
        return result

    def progress(self, label, done, total, started):
        """A line at every tenth of the way, and at the end."""
        if total and (
            done == total or done * 10 // total != (done - self.batch_size) * 10 // total
        ):
            elapsed = time.perf_counter() - started
            self.stdout.write(f"  {label}: {done:,} of {total:,} ({elapsed:.0f} s)")
            self.stdout.flush()

    def next_id(self, model):
        return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def insert(self, model, objects):
        model.objects.bulk_create(objects, batch_size=self.batch_size)

    def insert_rows(self, model, rows):
        """Insert rows given as dicts of field name to value; absent fields take their
        defaults. For the largest table: bulk_create spends most of its time making a model
        instance and compiling SQL for each value, and this makes neither; on PostgreSQL
        the rows go in with COPY. Values must be what the database driver takes as they
        are, except datetimes, adapted here."""
        if not rows:
            return
        fields = [field for field in model._meta.concrete_fields if not field.generated]
        defaults = [field.get_default() for field in fields]
        names = [field.attname for field in fields]
        datetimes = [n for n, field in enumerate(fields) if isinstance(field, DateTimeField)]
        adapt = connection.ops.adapt_datetimefield_value
        values = []
        for row in rows:
            value = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
            for position in datetimes:
                value[position] = adapt(value[position])
            values.append(value)
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(field.column) for field in fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: PostgreSQL's bulk load
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
                cursor.executemany(sql, values)

    def reset_sequences(self):
        """Ids were chosen here: move PostgreSQL's sequences past them (SQLite needs nothing)."""
        models = [Tag, TaggedItem, Person, Film, Credit, RelatedFilm, Review, Comment]
        models += [PullQuote, FurtherReading, Review.mentioned_films.through]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)

    # Tags, people, films

    def build_tags(self):
        """``--tags`` tags, the most used first: genres, then single words, then pairs."""
        taken = {name.lower() for name in Tag.objects.values_list("name", flat=True)}
        slugs = Slugs(Tag.objects.values_list("slug", flat=True), 100)
        pairs = [f"{a} {w}" for a in text.ADJECTIVES for w in text.WORDS]
        pairs += [f"{w} {g}" for w in text.WORDS for g in text.GENRES]
        self.rng.shuffle(pairs)
        names, seen = [], set(taken)
        for name in itertools.chain(text.GENRES, text.WORDS, pairs):
            if len(names) == self.options["tags"]:
                break
            if name not in seen:
                seen.add(name)
                names.append(name)
        first = self.next_id(Tag)
        tags = [Tag(id=first + n, name=name, slug=slugs(name)) for n, name in enumerate(names)]
        self.insert(Tag, tags)
        self.stdout.write(f"  {len(tags):,} tags")
        return [tag.pk for tag in tags]

    def build_people(self):
        count = self.options["people"]
        if count is None:
            count = max(50, 2 * self.options["films"])
        slugs = Slugs(Person.objects.values_list("slug", flat=True), 200)
        first = self.next_id(Person)
        people = []
        for n in range(count):
            name = text.person_name(self.rng)
            people.append(Person(id=first + n, name=name, slug=slugs(name)))
        self.insert(Person, people)
        self.stdout.write(f"  {len(people):,} people")
        ids = [person.pk for person in people]
        self.rng.shuffle(ids)
        return ids

    def build_films(self, people, tags):
        """Films with crew and a cast of six to ten drawn from a shared pool of people (a
        few of whom work a lot), a few films with a cast of ``FULL_CAST``, and two to five
        tags each, common tags far more often."""
        count = self.options["films"]
        slugs = Slugs(Film.objects.values_list("slug", flat=True), 220)
        this_year = self.now.year
        first = self.next_id(Film)
        films = []
        for n in range(count):
            title = text.title(self.rng)
            year = max(1920, this_year - int(abs(self.rng.gauss(0, 25))))
            based_on = ""
            if self.rng.random() < 0.15:
                based_on = f"{text.person_name(self.rng)}'s novel {text.title(self.rng)}"
            films.append(
                Film(
                    id=first + n,
                    title=title,
                    year=year,
                    slug=slugs(f"{title} {year}"),
                    synopsis=text.paragraph(self.rng, 2, 3),
                    runtime_minutes=self.rng.randint(75, 180),
                    based_on=based_on,
                )
            )
        self.insert(Film, films)
        self.stdout.write(f"  {len(films):,} films")

        self.build_credits(films, people)
        self.tag_objects(Film, [film.pk for film in films], tags, low=2, high=5)
        return films

    def build_credits(self, films, people):
        # Crew come from pools of their own, cast from the rest; within each, a few people
        # are credited often (a Zipf-like choice).
        total = len(people)
        cuts = [int(total * share) for share in (0.12, 0.24, 0.3, 0.36)]
        pools = {
            Credit.Role.DIRECTOR: people[: cuts[0]],
            Credit.Role.WRITER: people[cuts[0] : cuts[1]],
            Credit.Role.COMPOSER: people[cuts[1] : cuts[2]],
            Credit.Role.CINEMATOGRAPHER: people[cuts[2] : cuts[3]],
            Credit.Role.CAST: people[cuts[3] :],
        }
        pools = {role: pool or people for role, pool in pools.items()}
        weights = {role: zipf_cum_weights(len(pool), 0.4) for role, pool in pools.items()}

        def choose(role, k=1):
            return self.rng.choices(pools[role], cum_weights=weights[role], k=k)

        full_casts = max(1, round(len(films) * FULL_CAST_SHARE)) if films else 0
        full_casts = set(self.rng.sample(films, full_casts))
        first = self.next_id(Credit)
        credits = []
        for film in films:
            cast_size = FULL_CAST if film in full_casts else self.rng.randint(6, 10)
            credits += self.credits_of(film, choose, min(cast_size, len(pools[Credit.Role.CAST])))
        for n, credit in enumerate(credits):
            credit.pk = first + n
        self.insert(Credit, credits)
        self.stdout.write(f"  {len(credits):,} credits")

    def credits_of(self, film, choose, cast_size):
        """A film's crew, then a cast of ``cast_size``, in billing order."""
        position = itertools.count()
        directors = set(choose(Credit.Role.DIRECTOR, 2 if self.rng.random() < 0.08 else 1))
        writers = set(choose(Credit.Role.WRITER, self.rng.randint(1, 2)))
        if self.rng.random() < 0.25:
            writers.add(next(iter(directors)))  # the director wrote it too
        crew = [(Credit.Role.DIRECTOR, directors), (Credit.Role.WRITER, writers)]
        crew += [
            (role, set(choose(role)))
            for role in (Credit.Role.COMPOSER, Credit.Role.CINEMATOGRAPHER)
        ]
        credits = [
            Credit(film_id=film.pk, person_id=person, role=role, position=next(position))
            for role, members in crew
            for person in sorted(members)
        ]
        cast = {}
        while len(cast) < cast_size:
            cast.update(dict.fromkeys(choose(Credit.Role.CAST, cast_size - len(cast))))
        for person in cast:
            if self.rng.random() < 0.3:
                character = f"The {self.rng.choice(text.WORDS)} {self.rng.choice(text.ROLES)}"
            else:
                character = (
                    f"{self.rng.choice(text.FIRST_NAMES)} {self.rng.choice(text.LAST_NAMES)}"
                )
            credits.append(
                Credit(
                    film_id=film.pk,
                    person_id=person,
                    role=Credit.Role.CAST,
                    character=character,
                    position=next(position),
                )
            )
        return credits

    def tag_objects(self, model, object_ids, tags, low, high, share=1.0):
        """Give a ``share`` of these objects ``low``–``high`` distinct tags, common ones often."""
        if not tags:
            return 0
        content_type = ContentType.objects.get_for_model(model)
        weights = zipf_cum_weights(len(tags), 1.0)
        first = self.next_id(TaggedItem)
        items = []
        for object_id in object_ids:
            if self.rng.random() >= share:
                continue
            chosen = self.rng.choices(tags, cum_weights=weights, k=self.rng.randint(low, high))
            for tag_id in dict.fromkeys(chosen):
                items.append(
                    TaggedItem(
                        id=first + len(items),
                        content_type_id=content_type.pk,
                        object_id=object_id,
                        tag_id=tag_id,
                    )
                )
        self.insert(TaggedItem, items)
        return len(items)

    # Reviews

    def build_reviews(self, films, tags):
        """Reviews of 30% of the films, a few films reviewed far more than most; returns
        ``[(review id, publish_at or None, readers can see it)]``."""
        total = self.options["reviews"]
        if not total or not films:
            return []
        reviewed = self.rng.sample(
            films, max(1, min(len(films), int(len(films) * REVIEWED_SHARE), total))
        )
        # Every reviewed film has one review; the rest go to a few films far more than others.
        per_film = Counter(film.pk for film in reviewed)
        weights = zipf_cum_weights(len(reviewed), 0.35)
        extra = self.rng.choices(reviewed, cum_weights=weights, k=total - len(reviewed))
        per_film.update(film.pk for film in extra)
        assignments = [film for film in reviewed for _ in range(per_film[film.pk])]
        self.rng.shuffle(assignments)
        self.add_related_films(reviewed, films)

        critics = [text.person_name(self.rng) for _ in range(max(20, total // 300))]
        critic_weights = zipf_cum_weights(len(critics), 0.8)
        slugs = Slugs(Review.objects.values_list("slug", flat=True), 250)
        first = self.next_id(Review)
        review_ids = []
        summary, started = [], time.perf_counter()
        for start in range(0, total, self.batch_size):
            batch, discussions = [], []
            for offset, film in enumerate(assignments[start : start + self.batch_size]):
                review, discussion = self.make_review(
                    first + start + offset, film, slugs, critics, critic_weights
                )
                batch.append(review)
                discussions.append(discussion)
                summary.append(
                    (
                        review.pk,
                        review.publish_at,
                        review.status != Review.Status.DRAFT and review.publish_at <= self.now,
                    )
                )
            self.insert(Review, batch)
            self.insert(Discussion, discussions)  # bulk inserts send no post_save
            self.add_review_extras(batch, films)
            review_ids.extend(review.pk for review in batch)
            self.progress("reviews", start + len(batch), total, started)
        tagged = self.tag_objects(Review, review_ids, tags, low=1, high=3, share=0.4)
        self.stdout.write(f"  {total:,} reviews of {len(reviewed):,} films; {tagged:,} review tags")
        return summary

    def make_review(self, pk, film, slugs, critics, critic_weights):
        """A review and its discussion, to be inserted."""
        rng = self.rng
        headline = text.headline(rng, film.title)
        body, body_html, sections = text.review_body(rng, film.title)
        roll = rng.random()
        if roll < 0.03:
            status = Review.Status.DRAFT
            publish_at = (
                None if rng.random() < 0.7 else self.now + timedelta(days=rng.uniform(1, 90))
            )
        elif roll < 0.06:
            status = Review.Status.SCHEDULED
            publish_at = self.now + timedelta(hours=rng.uniform(1, 24 * 60))
        else:
            status = Review.Status.PUBLISHED
            publish_at = self.publication_time(film.year)
        publication, publication_url = ("", "")
        if rng.random() < 0.6:
            publication, publication_url = rng.choice(text.PUBLICATIONS)
        slug = slugs(headline)
        review = Review(
            id=pk,
            film_id=film.pk,
            headline=headline,
            slug=slug,
            byline=""
            if rng.random() < 0.05
            else rng.choices(critics, cum_weights=critic_weights)[0],
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
            review.rating_best, review.rating_value, review.rating_step = self.rating()
        return review, discussion

    def publication_time(self, film_year):
        """A time in the last 15 years, after the film's year began, more often recent."""
        earliest = max(
            self.now - timedelta(days=365.25 * YEARS_OF_REVIEWS),
            datetime(film_year, 1, 1, tzinfo=UTC),
        )
        span = (self.now - earliest).total_seconds()
        return earliest + timedelta(seconds=int(span * math.sqrt(self.rng.random())))

    def rating(self):
        best = pick(self.rng, RATING_SCALES)
        steps = next(steps for scale, _, steps in RATING_SCALES if scale == best)
        step = self.rng.choice(steps)
        share = min(1.0, max(0.0, self.rng.gauss(0.65, 0.18)))
        value = (Decimal(str(share * best)) / step).quantize(Decimal(1)) * step
        return best, value, str(step)

    def add_related_films(self, reviewed, films):
        """An editor's picks after one reviewed film in ten: three to eight other films."""
        first = self.next_id(RelatedFilm)
        links = []
        for film in reviewed:
            if self.rng.random() >= 0.1 or len(films) < 4:
                continue
            chosen = {f.pk for f in self.rng.sample(films, min(len(films), 9))} - {film.pk}
            for position, related in enumerate(sorted(chosen)[: self.rng.randint(3, 8)]):
                links.append(
                    RelatedFilm(
                        id=first + len(links),
                        film_id=film.pk,
                        related_id=related,
                        position=position,
                    )
                )
        self.insert(RelatedFilm, links)

    def add_review_extras(self, batch, films):
        """Pull quotes, further reading and mentions of other films, on a few reviews."""
        quotes, reading, mentions = [], [], []
        Mention = Review.mentioned_films.through
        for review in batch:
            if self.rng.random() < 0.1:
                quotes.append(
                    PullQuote(
                        review_id=review.pk, text=text.sentence(self.rng), attribution=review.byline
                    )
                )
            if self.rng.random() < 0.05:
                for position in range(self.rng.randint(1, 2)):
                    word = self.rng.choice(text.WORDS)
                    reading.append(
                        FurtherReading(
                            review_id=review.pk,
                            title=f"On {word}: an interview",
                            url=f"https://interviews.example.org/{review.slug}/{position}",
                            position=position,
                        )
                    )
            if self.rng.random() < 0.1:
                for film in {f.pk for f in self.rng.sample(films, min(3, len(films)))} - {
                    review.film_id
                }:
                    mentions.append(Mention(review_id=review.pk, film_id=film))
        for model, rows in ((PullQuote, quotes), (FurtherReading, reading), (Mention, mentions)):
            first = self.next_id(model)
            for n, row in enumerate(rows):
                row.pk = first + n
            self.insert(model, rows)

    # Comments

    def build_comments(self, reviews):
        """``--comments`` comments on the published reviews, a long tail of them: most
        reviews have a few, some have hundreds. About 30% are replies (on the same review,
        to an approved comment, at most two levels deep); 3% pending, 1% spam."""
        total = self.options["comments"]
        visible = [(pk, published) for pk, published, readable in reviews if readable]
        if not total or not visible:
            return
        # A Zipf-like share of the comments for each review, in a random order of reviews.
        shares = Counter(
            self.rng.choices(
                range(len(visible)), cum_weights=zipf_cum_weights(len(visible), 0.45), k=total
            )
        )
        ranks = list(range(len(visible)))
        self.rng.shuffle(ranks)
        commenters = self.commenters(max(50, total // 20))
        commenter_weights = zipf_cum_weights(len(commenters), 0.8)
        bodies = [text.comment_text(self.rng) for _ in range(500)]
        bodies = [(body, render_comment_text(body)) for body in bodies]
        spam = [(body, render_comment_text(body)) for body in SPAM_BODIES]

        next_id = itertools.count(self.next_id(Comment))
        batch, done, started = [], 0, time.perf_counter()
        # Review by review, in id order, so that inserts land near each other in the indexes.
        for rank, (review_id, published) in zip(ranks, visible, strict=True):
            count = shares.get(rank, 0)
            if not count:
                continue
            times = sorted(self.comment_time(published) for _ in range(count))
            answerable = []  # approved comments replies may answer: (id, depth, visible from)
            for submitted_at in times:
                comment = self.make_comment(
                    next(next_id),
                    review_id,
                    submitted_at,
                    answerable,
                    commenters,
                    commenter_weights,
                    bodies,
                    spam,
                )
                batch.append(comment)
                if comment["status"] == Comment.Status.APPROVED and comment["depth"] < MAX_DEPTH:
                    answerable.append((comment["id"], comment["depth"], comment["moderated_at"]))
            if len(batch) >= self.batch_size:
                self.insert_rows(Comment, batch)
                done += len(batch)
                batch = []
                self.progress("comments", done, total, started)
        self.insert_rows(Comment, batch)
        done += len(batch)
        self.progress("comments", done, total, started)

    def commenters(self, count):
        """``(name, email, website)`` of readers who comment: a few comment very often."""
        people, seen = [], Counter()
        domains = ["example.com", "example.org", "example.net", "mail.example.com"]
        for _ in range(count):
            first, last = self.rng.choice(text.FIRST_NAMES), self.rng.choice(text.LAST_NAMES)
            handle = f"{first}.{last}".lower()
            seen[handle] += 1
            if seen[handle] > 1:
                handle += str(seen[handle])
            email = f"{handle}@{self.rng.choice(domains)}"
            name = "" if self.rng.random() < 0.02 else f"{first} {last}"
            website = (
                f"https://{handle.replace('.', '')}.example.net" if self.rng.random() < 0.1 else ""
            )
            people.append((name, email, website))
        return people

    def comment_time(self, published):
        """Most comments come in the first days after publication; some much later."""
        if self.rng.random() < 0.9:
            delay = timedelta(hours=self.rng.expovariate(1 / 48))
        else:
            delay = timedelta(seconds=self.rng.uniform(0, (self.now - published).total_seconds()))
        latest = max(published, self.now - timedelta(minutes=1))
        return min(published + delay + timedelta(seconds=30), latest)

    def make_comment(
        self, pk, review_id, submitted_at, answerable, commenters, weights, bodies, spam
    ):
        rng = self.rng
        status = pick(rng, COMMENT_STATUSES)
        held_reason = next(reason for s, _, reason in COMMENT_STATUSES if s == status)
        body, body_html = rng.choice(bodies)
        if status == Comment.Status.PENDING:
            held_reason = pick(rng, PENDING_REASONS)
        elif status == Comment.Status.SPAM:
            held_reason = pick(rng, SPAM_REASONS)
            body, body_html = rng.choice(spam)
        parent_id, depth = None, 0
        if answerable and rng.random() < REPLY_SHARE:
            # Readers answer a comment they can see, usually one of the latest.
            candidates = [c for c in answerable[-20:] if c[2] <= submitted_at]
            if candidates:
                parent_id, parent_depth, _ = rng.choice(candidates)
                depth = parent_depth + 1
        name, email, website = rng.choices(commenters, cum_weights=weights)[0]
        moderated_at = None
        if status != Comment.Status.PENDING:
            moderated_at = min(submitted_at + timedelta(minutes=rng.uniform(5, 36 * 60)), self.now)
        recent = submitted_at > self.now - timedelta(days=30)
        return {
            "id": pk,
            "review_id": review_id,
            "parent_id": parent_id,
            "depth": depth,
            "author_name": name,
            "author_email": email,
            "author_url": website,
            "body": body,
            "body_html": body_html,
            "status": status,
            "held_reason": held_reason,
            "notify": rng.random() < 0.15,
            "submitted_at": submitted_at,
            "ip_hash": f"{rng.getrandbits(256):064x}" if recent else "",
            "moderated_at": moderated_at,
        }

    def count_comments(self, reviews):
        """Each new review's approved comments, counted in one UPDATE. Their pages were
        never shown: the listings are marked stale at the end (``mark_pages_stale``)."""
        if not reviews:
            return
        first = min(pk for pk, *_ in reviews)
        count_approved_comments(Discussion.objects.filter(pk__gte=first))

    # After the load

    def build_search_index(self, reviews):
        search.reindex([pk for pk, *_ in reviews])

    def analyze(self):
        """Fresh planner statistics, as after any bulk load, so queries use the right
        indexes; on PostgreSQL also the visibility map, so index-only scans are."""
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")

    def mark_pages_stale(self):
        """Cached pages that list reviews or tags are stale now."""
        try:
            pagecache.invalidate(keys.published_list(), keys.tags())
        except Exception as error:  # the cache may not be set up on a scratch database
            self.stderr.write(f"Could not mark cached pages stale: {error}")
