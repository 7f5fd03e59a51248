"""manage.py export_wordpress [-o FILE]: the published reviews as a WordPress export."""

from django.core.management.base import BaseCommand

from ...wordpress import export_wordpress


class Command(BaseCommand):
    help = (
        "Write the published reviews, their bylines, tags and approved comments with their "
        "threads as a WordPress export (WXR 1.2), which WordPress's importer reads."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="The file to write; standard output if not given."
        )

    def handle(self, *args, **options):
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                export_wordpress(out)
        else:
            export_wordpress(Unterminated(self.stdout))


class Unterminated:
    """The command's output, written as given: no line end added to each piece."""

    def __init__(self, out):
        self.out = out

    def write(self, text):
        self.out.write(text, ending="")
