"""``manage.py build_archive``: a large synthetic archive, to see how the site behaves at scale.

    manage.py build_archive                      # 10,000 films, 100,000 reviews,
                                                 # 1,000,000 comments, 5,000 tags
    manage.py build_archive --films 50 --reviews 200 --comments 2000 --tags 40 --seed 7

The archive is built by ``core.archive``; this command takes the sizes, refuses where a
synthetic archive does not belong, and reports.
"""

import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from taggit.models import Tag

from comments.models import Comment
from core.archive.build import build_archive
from reviews.models import Film, Person, Review

from .seed import read_fixture_objects

SIZES = ("films", "reviews", "comments", "tags", "people")


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
        for name in SIZES:
            if (options[name] or 0) < 0:
                raise CommandError(f"--{name} cannot be negative.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not options["force"]:
            self.refuse_unless_only_seed_content()
        started = time.perf_counter()
        build_archive(
            {name: options[name] for name in SIZES},
            seed=options["seed"],
            batch_size=options["batch_size"],
            with_recommendations=options["recommendations"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.stdout.write(
            self.style.SUCCESS(f"Archive built in {time.perf_counter() - started:.0f} s.")
        )

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
