"""manage.py import_wordpress FILE: a WordPress export (WXR) as reviews and comments."""

from django.core.management.base import BaseCommand, CommandError

from reviews.wordpress.parse import WXRError

from ...wordpress import ImportOptions, import_wordpress


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export, WXR 1.0-1.2): posts as reviews, with the "
        "film and rating proposed for an editor to confirm, and their threaded comments. "
        "Running it again adds only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The WXR file WordPress exported.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Write nothing; print the report."
        )
        parser.add_argument(
            "--media-dir", help="A copy of the blog's wp-content/uploads, to bring its images in."
        )
        parser.add_argument(
            "--publish-unmatched",
            action="store_true",
            help="Publish posts whose film could not be told, instead of keeping them as drafts.",
        )

    def handle(self, *args, **options):
        import_options = ImportOptions(
            media_dir=options["media_dir"],
            publish_unmatched=options["publish_unmatched"],
            dry_run=options["dry_run"],
        )

        def progress(count):
            self.stderr.write(f"Read {count} items…")

        try:
            with open(options["file"], "rb") as source:
                report = import_wordpress(source, import_options, progress)
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.")
        except WXRError as error:
            raise CommandError(f"{options['file']}: {error} Nothing was imported.")
        self.stdout.write(str(report))
