from django.core.management.base import BaseCommand

from reviews import search


class Command(BaseCommand):
    help = "Rebuild the search document of every review, drafts included."

    def handle(self, *args, **options):
        count = search.reindex_all()
        self.stdout.write(f"Indexed {count} review{'s' if count != 1 else ''} for search.")
