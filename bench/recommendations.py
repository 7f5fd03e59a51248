"""How long recommendations take on a catalogue of 10,000 films.

    .venv/bin/python bench/recommendations.py [--films 10000] [--seed 2010] [--no-results]

Builds a catalogue in a throwaway SQLite file in /tmp, or in the empty database named by
DATABASE_URL, then times reading the catalogue once (the reads a recompute makes, without
scoring: the baseline), ``recompute_all()``, and ``refresh()`` after one film changes. It
prints each in seconds and as a multiple of the baseline, and appends them to
bench/RESULTS.md with a description of the machine (unless ``--no-results``).

Then bursts: 100 catalogue saves, each its own transaction (a tag added to a film, or its
record saved again), of 100 films and then of 10, with tasks queued in the database as in
production. The sweeps they queue are then run here, as a worker would run them once
their time has come, and their CPU time is compared with one refresh's: the target is at
most 2×.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from machine import append_results, database_description, machine_lines

BASE_DIR = Path(__file__).resolve().parent.parent
SQLITE_FILE = Path(tempfile.gettempdir()) / "bench-recommendations.sqlite3"

# Words the catalogue is made of, split below.
_FIRST = """Ada Alan Alice Amir Anna Ben Carla Chen David Elena Emma Farah Felix Grace Hana Hugo
Ines Ivan Jack Jana Kai Kenji Lara Leo Lena Liam Lucia Maya Mei Nadia Nils Noor Omar Paul Priya
Rosa Ruth Sami Sara Tariq Tess Tom Una Vera Yuki Zoe Aoife Bruno Chidi Dara"""
_LAST = """Abbott Barros Chen Dahl Eklund Fischer Garcia Haddad Ito Jensen Kowalski Lindqvist
Moreau Nakamura Okafor Petrov Quinn Rossi Santos Tanaka Ueda Varga Weber Xu Yilmaz Zhou Adler
Bauer Costa Duarte Evans Ferreira Gallo Horvat Iqbal Jovanovic Kim Lopez Mendes Novak Ortiz
Park Reyes Silva Torres Urban Vidal Walsh Young Zeller"""
_MOODS = """quiet lonely urban rural coastal nocturnal violent tender absurd bleak hopeful
melancholy comic political romantic surreal gothic cosmic domestic wartime postwar
futuristic mythic musical silent"""
_SUBJECTS = """grief cloning memory family revenge heist exile friendship childhood marriage
ambition faith betrayal survival identity obsession migration labour dystopia
boarding-school journey rivalry madness loyalty"""
_SYLLABLES = (
    "bra cle dro fen gla hum jor kel lum mor nev pol qua ris sol tem vol wyn",
    "a e i o u ay ee oo ie ou",
    "ce ble nt dor me ld sk st on nor us rique sion tude ck",
)
FIRST, LAST, MOODS, SUBJECTS = (text.split() for text in (_FIRST, _LAST, _MOODS, _SUBJECTS))
# 500 tags: 25 moods × 20 subjects.
TAG_NAMES = [f"{mood} {subject}" for mood in MOODS for subject in SUBJECTS[:20]]
# Words reviews are made of, 2,700 of them, drawn Zipf-like: common words first.
VOCABULARY = [
    a + b + c
    for a in _SYLLABLES[0].split()
    for b in _SYLLABLES[1].split()
    for c in _SYLLABLES[2].split()
]


def zipf_weights(count, exponent=1.0):
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def configure():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2010)
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Tasks wait in the database for a worker, as in production; the bench runs them itself.
    os.environ.setdefault("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    return args


def build(films_wanted, rng):
    """Fill the empty database with films, people, credits, tags, reviews and mentions."""
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import Tag, TaggedItem

    from reviews.models import Credit, Film, Person, Review

    batch = 5000
    tags = Tag.objects.bulk_create(
        Tag(name=name, slug=name.replace(" ", "-")) for name in TAG_NAMES
    )
    rng.shuffle(tags)
    tag_weights = zipf_weights(len(tags))

    Film.objects.bulk_create(
        (
            Film(title=f"Film {n}", year=rng.randint(1930, 2025), slug=f"film-{n}")
            for n in range(films_wanted)
        ),
        batch_size=batch,
    )
    film_ids = list(Film.objects.values_list("id", flat=True))

    pools = {  # role: (people in the pool, Zipf exponent of their reuse)
        Credit.Role.DIRECTOR: (3500, 0.9),
        Credit.Role.WRITER: (5000, 0.9),
        Credit.Role.COMPOSER: (900, 1.0),
        Credit.Role.CINEMATOGRAPHER: (1400, 0.9),
        Credit.Role.CAST: (30000, 1.0),
        Credit.Role.AUTHOR: (1500, 0.8),
    }
    people_wanted = sum(size for size, _ in pools.values())
    Person.objects.bulk_create(
        (
            Person(
                name=f"{rng.choice(FIRST)} {chr(65 + n % 26)}. {rng.choice(LAST)}",
                slug=f"person-{n}",
            )
            for n in range(people_wanted)
        ),
        batch_size=batch,
    )
    person_ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    offsets, start = {}, 0
    for role, (size, exponent) in pools.items():
        people = person_ids[start : start + size]
        rng.shuffle(people)
        offsets[role] = (people, zipf_weights(size, exponent))
        start += size

    def pick(role, count):
        people, weights = offsets[role]
        chosen = set()
        while len(chosen) < count:
            chosen.update(rng.choices(people, weights, k=count - len(chosen)))
        return chosen

    credits, film_tags = [], []
    film_type = ContentType.objects.get_for_model(Film)
    for film_id in film_ids:
        crew = [
            (Credit.Role.DIRECTOR, 2 if rng.random() < 0.08 else 1),
            (Credit.Role.WRITER, rng.randint(1, 2)),
            (Credit.Role.COMPOSER, 1),
            (Credit.Role.CINEMATOGRAPHER, 1),
            (Credit.Role.CAST, 8),
        ]
        if rng.random() < 0.25:
            crew.append((Credit.Role.AUTHOR, 1))
        for role, count in crew:
            for position, person_id in enumerate(pick(role, count), start=1):
                credits.append(
                    Credit(film_id=film_id, person_id=person_id, role=role, position=position)
                )
        chosen = set()
        wanted = rng.randint(3, 8)
        while len(chosen) < wanted:
            chosen.add(rng.choices(range(len(tags)), tag_weights)[0])
        film_tags.extend(
            TaggedItem(content_type=film_type, object_id=film_id, tag_id=tags[i].pk) for i in chosen
        )
    Credit.objects.bulk_create(credits, batch_size=batch)
    TaggedItem.objects.bulk_create(film_tags, batch_size=batch)

    word_weights = zipf_weights(len(VOCABULARY), 1.1)
    now = datetime.now(UTC)
    reviews, n = [], 0
    for film_id in rng.sample(film_ids, k=int(0.3 * len(film_ids))):
        # Each film's reviews share a few words of their own, as reviews of one film do.
        topic = rng.sample(VOCABULARY, 6)
        for _ in range(rng.randint(1, 3)):
            n += 1
            paragraphs = [
                " ".join(
                    rng.choices(VOCABULARY, word_weights, k=rng.randint(40, 90))
                    + rng.choices(topic, k=rng.randint(2, 6))
                )
                for _ in range(rng.randint(3, 6))
            ]
            draft = rng.random() < 0.05
            reviews.append(
                Review(
                    film_id=film_id,
                    headline=f"Review {n}",
                    slug=f"review-{n}",
                    status=Review.Status.DRAFT if draft else Review.Status.PUBLISHED,
                    publish_at=None if draft else now - timedelta(days=rng.randint(1, 3000)),
                    body="\n\n".join(paragraphs),
                    body_html="".join(f"<p>{p}</p>" for p in paragraphs),
                )
            )
    Review.objects.bulk_create(reviews, batch_size=1000)

    review_type = ContentType.objects.get_for_model(Review)
    mentions = Review.mentioned_films.through
    review_rows = list(Review.objects.order_by("id").values_list("id", "film_id"))
    mention_rows, review_tags = [], []
    for review_id, film_id in review_rows:
        if rng.random() < 0.4:
            for other in set(rng.sample(film_ids, k=rng.randint(1, 4))) - {film_id}:
                mention_rows.append(mentions(review_id=review_id, film_id=other))
        if rng.random() < 0.3:
            for i in {rng.choices(range(len(tags)), tag_weights)[0] for _ in range(2)}:
                review_tags.append(
                    TaggedItem(content_type=review_type, object_id=review_id, tag_id=tags[i].pk)
                )
    mentions.objects.bulk_create(mention_rows, batch_size=batch)
    TaggedItem.objects.bulk_create(review_tags, batch_size=batch)
    return {
        "films": len(film_ids),
        "people": people_wanted,
        "credits": len(credits),
        "tags": len(tags),
        "tagged films and reviews": len(film_tags) + len(review_tags),
        "reviews": len(reviews),
        "mentions": len(mention_rows),
    }


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def cpu_timed(function, *args):
    """(CPU seconds of this process, wall seconds, result)."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args)
    return time.process_time() - cpu, time.perf_counter() - wall, result


BURST_SAVES = 100
MOST_BURST_RATIO = 2.0


def burst_of_saves(rng, film_count):
    """BURST_SAVES catalogue saves of ``film_count`` films, each committed on its own, as
    editors make them: a tag added to a film, or its record saved again."""
    from reviews.models import Film

    pks = rng.sample(list(Film.objects.values_list("pk", flat=True)), film_count)
    films = list(Film.objects.filter(pk__in=pks))
    for n in range(BURST_SAVES):
        film = films[n % film_count]
        if n % 2:
            film.tags.add(rng.choice(TAG_NAMES))
        else:
            film.save()


def burst(rng, film_count, refresh_cpu):
    """The burst, then the sweeps it queued: lines for the results."""
    from django_tasks_db.models import DBTaskResult

    from reviews.models import WaitingRefresh

    WaitingRefresh.objects.all().delete()
    DBTaskResult.objects.all().delete()
    _, saves_time, _ = cpu_timed(burst_of_saves, rng, film_count)
    waiting = WaitingRefresh.objects.count()
    sweeps_cpu, sweeps_time, sweeps = cpu_timed(run_queued_sweeps)
    ratio = sweeps_cpu / refresh_cpu
    return [
        f"- {BURST_SAVES} saves of {film_count} films, each its own transaction (half a tag"
        f" added, half the film saved again): {saves_time:.2f} s; {waiting} films waiting,"
        f" {sweeps} sweep{'' if sweeps == 1 else 's'} queued; the sweeps, run as a worker"
        f" would: {sweeps_cpu:.2f} s CPU ({sweeps_time:.2f} s) = {ratio:.2f}× one refresh"
        f" (at most {MOST_BURST_RATIO:g}×)" + (" MISSED" if ratio > MOST_BURST_RATIO else "")
    ]


def run_queued_sweeps():
    """Run every sweep the burst queued, as a worker would once its time has come; returns
    how many there were."""
    from django_tasks.base import TaskContext
    from django_tasks_db.models import DBTaskResult

    from reviews import changes

    queued = DBTaskResult.objects.filter(task_path=changes.refresh_waiting_films.module_path)
    sweeps = list(queued)
    for result in sweeps:
        result.task.call(TaskContext(task_result=result.task_result))
    queued.delete()
    return len(sweeps)


def main():
    args = configure()
    from django.core.management import call_command
    from django.db import connection

    from reviews import recommendations, similarity
    from reviews.models import Film, Recommendation

    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if Film.objects.exists():
        sys.exit("The database already holds films: give the bench an empty, throwaway one.")
    print(f"Building {args.films:,} films in {database_description()}…", flush=True)
    build_time, sizes = timed(build, args.films, rng)
    print(f"  built in {build_time:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    similarity.read_catalogue()  # warm the database's cache, as a running site has
    reads = [timed(similarity.read_catalogue) for _ in range(3)]
    baseline = statistics.median(seconds for seconds, _ in reads)
    rows = reads[0][1]
    index_time, _ = timed(similarity.Catalogue, rows, similarity.weights())
    recompute_time, stored = timed(recommendations.recompute_all)

    # One film changes, as an editor tags it; then its refresh, as after the commit.
    changed = (
        Film.objects.filter(reviews__isnull=False, credits__role="director").order_by("id").first()
    )
    changed.tags.add("quiet grief")
    refresh_cpu, refresh_time, refreshed = cpu_timed(recommendations.refresh, [changed.pk])
    listed = Recommendation.objects.filter(film=changed).count()

    results = [
        ("Read the catalogue once (baseline)", baseline, "six queries, rows into Python"),
        ("Index it (no database)", index_time, "inverted indexes, review TF-IDF"),
        ("recompute_all()", recompute_time, f"{stored:,} recommendations stored"),
        (
            "refresh([one film])",
            refresh_time,
            f"{len(refreshed):,} films' lists changed; the film lists {listed}",
        ),
    ]
    bursts = [
        f"- One refresh, `refresh([one film])`: {refresh_cpu:.2f} s CPU ({refresh_time:.2f} s)",
        *burst(rng, BURST_SAVES, refresh_cpu),
        *burst(rng, BURST_SAVES // 10, refresh_cpu),
    ]
    print()
    for label, seconds, note in results:
        print(f"  {label:<36} {seconds:7.2f} s  {seconds / baseline:6.1f}× baseline  ({note})")
    print(*bursts, sep="\n")
    if not args.no_results:
        write_results(sizes, results, baseline, bursts)


def write_results(sizes, results, baseline, burst):
    machine = [
        *machine_lines(),
        f"- Database: {database_description()}",
        "- Catalogue: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()),
    ]
    table = [
        "| Step | Seconds | × baseline | |",
        "|---|---:|---:|---|",
        *(
            f"| {label} | {seconds:.2f} | {seconds / baseline:.1f} | {note} |"
            for label, seconds, note in results
        ),
    ]
    append_results("Recommendations", [*machine, "", *table, "", "A burst of saves:", "", *burst])


if __name__ == "__main__":
    main()
