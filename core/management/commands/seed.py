"""``manage.py seed``: the site's seed content, the reviews and their comments.

It lives in the comments app because it loads both apps' fixtures, and comments may
depend on reviews while reviews must not depend on comments.
"""

import json
from collections import Counter, defaultdict

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from comments.models import Comment
from reviews.models import Film, Review
from reviews.recommendations import recompute_all

FIXTURES = [
    settings.BASE_DIR / "fixtures" / "seed.json",
    settings.BASE_DIR / "fixtures" / "seed_comments.json",
]
SEED_FILM_SLUG = "never-let-me-go-2010"


def read_fixture_objects():
    return [obj for path in FIXTURES for obj in json.loads(path.read_text(encoding="utf-8"))]


def models_with_taken_pks(objects):
    """Labels of the models whose rows already use one of the fixture's fixed ids."""
    pks = defaultdict(set)
    for obj in objects:
        pks[obj["model"]].add(obj["pk"])
    return [
        label
        for label, ids in pks.items()
        if apps.get_model(label)._base_manager.filter(pk__in=ids).exists()
    ]


class Command(BaseCommand):
    help = "Load the seed reviews, films and comments once; later runs change nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            if Film.objects.filter(slug=SEED_FILM_SLUG).exists():
                self.stdout.write("The seed content is already loaded; nothing changed.")
                return
            objects = read_fixture_objects()
            # loaddata would silently overwrite rows that happen to have the same ids.
            taken = models_with_taken_pks(objects)
            if taken:
                raise CommandError(
                    "Not loading the seed content: it would overwrite existing rows of "
                    + ", ".join(taken)
                    + ". Load it into an empty database."
                )
            call_command("loaddata", *FIXTURES, verbosity=0)
            # loaddata saves raw rows, skipping the models' save(), which renders the text
            # (and, for comments, counts the approved ones once the load commits). Comments
            # go in id order, parents first, each reading its parent afresh.
            for model in (Review, Comment):
                label = model._meta.label_lower
                seeded = [obj["pk"] for obj in objects if obj["model"] == label]
                for instance in model.objects.filter(pk__in=seeded).order_by("pk"):
                    instance.save()
        recompute_all()

        counts = Counter(obj["model"] for obj in objects)
        self.stdout.write(
            f"Loaded the seed content: {counts['reviews.review']} reviews, "
            f"{counts['reviews.film']} films, {counts['comments.comment']} comments."
        )
