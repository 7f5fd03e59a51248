"""The archive's catalogue: tags, people, films with their credits, and tagging."""

import itertools

from django.contrib.contenttypes.models import ContentType
from taggit.models import Tag, TaggedItem

from reviews.models import Credit, Film, Person

from . import text
from .sampling import Slugs, zipf_cum_weights

FULL_CAST_SHARE = 0.01  # of films, at least one: a credited cast as long as a big production's
FULL_CAST = 190  # with the crew, about 200 credits


def build_tags(loader, count):
    """``count`` tags, the most used first: genres, then single words, then pairs."""
    taken = {name.lower() for name in Tag.objects.values_list("name", flat=True)}
    slugs = Slugs(Tag.objects.values_list("slug", flat=True), 100)
    pairs = [f"{a} {w}" for a in text.ADJECTIVES for w in text.WORDS]
    pairs += [f"{w} {g}" for w in text.WORDS for g in text.GENRES]
    loader.rng.shuffle(pairs)
    names, seen = [], set(taken)
    for name in itertools.chain(text.GENRES, text.WORDS, pairs):
        if len(names) == count:
            break
        if name not in seen:
            seen.add(name)
            names.append(name)
    first = loader.next_id(Tag)
    tags = [Tag(id=first + n, name=name, slug=slugs(name)) for n, name in enumerate(names)]
    loader.insert(Tag, tags)
    loader.stdout.write(f"  {len(tags):,} tags")
    return [tag.pk for tag in tags]


def build_people(loader, count):
    """``count`` people, their ids in a random order (the credits' pools are cut from it)."""
    slugs = Slugs(Person.objects.values_list("slug", flat=True), 200)
    first = loader.next_id(Person)
    people = []
    for n in range(count):
        name = text.person_name(loader.rng)
        people.append(Person(id=first + n, name=name, slug=slugs(name)))
    loader.insert(Person, people)
    loader.stdout.write(f"  {len(people):,} people")
    ids = [person.pk for person in people]
    loader.rng.shuffle(ids)
    return ids


def build_films(loader, count, people, tags):
    """Films with crew and a cast of six to ten drawn from a shared pool of people (a
    few of whom work a lot), a few films with a cast of ``FULL_CAST``, and two to five
    tags each, common tags far more often."""
    rng = loader.rng
    slugs = Slugs(Film.objects.values_list("slug", flat=True), 220)
    this_year = loader.now.year
    first = loader.next_id(Film)
    films = []
    for n in range(count):
        title = text.title(rng)
        year = max(1920, this_year - int(abs(rng.gauss(0, 25))))
        based_on = ""
        if rng.random() < 0.15:
            based_on = f"{text.person_name(rng)}'s novel {text.title(rng)}"
        films.append(
            Film(
                id=first + n,
                title=title,
                year=year,
                slug=slugs(f"{title} {year}"),
                synopsis=text.paragraph(rng, 2, 3),
                runtime_minutes=rng.randint(75, 180),
                based_on=based_on,
            )
        )
    loader.insert(Film, films)
    loader.stdout.write(f"  {len(films):,} films")

    build_credits(loader, films, people)
    tag_objects(loader, Film, [film.pk for film in films], tags, low=2, high=5)
    return films


def build_credits(loader, films, people):
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
        return loader.rng.choices(pools[role], cum_weights=weights[role], k=k)

    full_casts = max(1, round(len(films) * FULL_CAST_SHARE)) if films else 0
    full_casts = set(loader.rng.sample(films, full_casts))
    first = loader.next_id(Credit)
    credits = []
    for film in films:
        cast_size = FULL_CAST if film in full_casts else loader.rng.randint(6, 10)
        cast_size = min(cast_size, len(pools[Credit.Role.CAST]))
        credits += credits_of(loader.rng, film, choose, cast_size)
    for n, credit in enumerate(credits):
        credit.pk = first + n
    loader.insert(Credit, credits)
    loader.stdout.write(f"  {len(credits):,} credits")


def credits_of(rng, film, choose, cast_size):
    """A film's crew, then a cast of ``cast_size``, in billing order."""
    position = itertools.count()
    directors = set(choose(Credit.Role.DIRECTOR, 2 if rng.random() < 0.08 else 1))
    writers = set(choose(Credit.Role.WRITER, rng.randint(1, 2)))
    if rng.random() < 0.25:
        writers.add(next(iter(directors)))  # the director wrote it too
    crew = [(Credit.Role.DIRECTOR, directors), (Credit.Role.WRITER, writers)]
    crew += [
        (role, set(choose(role))) for role in (Credit.Role.COMPOSER, Credit.Role.CINEMATOGRAPHER)
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
        if rng.random() < 0.3:
            character = f"The {rng.choice(text.WORDS)} {rng.choice(text.ROLES)}"
        else:
            character = f"{rng.choice(text.FIRST_NAMES)} {rng.choice(text.LAST_NAMES)}"
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


def tag_objects(loader, model, object_ids, tags, low, high, share=1.0):
    """Give a ``share`` of these objects ``low``–``high`` distinct tags, common ones often."""
    if not tags:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    weights = zipf_cum_weights(len(tags), 1.0)
    first = loader.next_id(TaggedItem)
    items = []
    for object_id in object_ids:
        if loader.rng.random() >= share:
            continue
        chosen = loader.rng.choices(tags, cum_weights=weights, k=loader.rng.randint(low, high))
        for tag_id in dict.fromkeys(chosen):
            items.append(
                TaggedItem(
                    id=first + len(items),
                    content_type_id=content_type.pk,
                    object_id=object_id,
                    tag_id=tag_id,
                )
            )
    loader.insert(TaggedItem, items)
    return len(items)
