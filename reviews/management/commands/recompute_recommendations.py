import time

from django.core.management.base import BaseCommand

from reviews import recommendations


class Command(BaseCommand):
    help = "Recompute every film's recommendations and their reasons, replacing the stored ones."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = recommendations.recompute_all()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Stored {count} recommendations in {elapsed:.1f} s.")
