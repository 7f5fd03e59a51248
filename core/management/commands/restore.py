"""``manage.py restore ARCHIVE --yes``: put back the whole site, database and media, from an
archive written by ``manage.py backup``.

The database is replaced whole, the way it was copied: on SQLite through the online
backup API, into the live database file; on PostgreSQL with ``pg_restore --clean`` in a
single transaction, so a failed restore leaves the database as it was. The media files
are written back under ``MEDIA_ROOT`` (files added since the backup stay, unreferenced).
The cache is emptied, so that no page from before the restore is served. Without
``--yes`` it refuses, since it overwrites everything.

While it runs the site refuses every write with a 503 (core/maintenance.py), since what
it accepted would be lost; reads go on. Afterwards PostgreSQL's sequences are set past
every restored id, so a new row never takes the id of a restored one.
"""

import json
import shutil
import sqlite3
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection

from core import maintenance

from .backup import FORMAT, MANIFEST, MEDIA, check_vendor, media_root, run_postgres_tool


def read_manifest(archive):
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError):
        raise CommandError("This is not an archive made by `manage.py backup`: no manifest.")
    if manifest.get("format") != FORMAT:
        raise CommandError(f"This archive's format is {manifest.get('format')}; expected {FORMAT}.")
    return manifest


def restore_database(path):
    """Replace the whole database with the copy at ``path``."""
    if check_vendor() == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as source:
            source.backup(connection.connection)
    else:
        connection.close()  # hold no lock that pg_restore would wait for
        run_postgres_tool(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(path),
        )


def reset_sequences():
    """Set every table's id sequence past its largest id (``manage.py sqlsequencereset``)."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def media_target(root, name):
    """Where an archived media file goes: only ever inside ``root``."""
    relative = PurePosixPath(name).relative_to(MEDIA)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise CommandError(f"Refusing to restore {name!r}: it points outside the media folder.")
    return root.joinpath(*relative.parts)


class Command(BaseCommand):
    help = (
        "Restore the database and media from an archive made by `manage.py backup`, "
        "replacing what is there (needs --yes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="A .tar.gz written by manage.py backup.")
        parser.add_argument(
            "--yes", action="store_true", help="Really replace the database and the media."
        )

    def handle(self, *args, archive, yes, **options):
        vendor = check_vendor()
        if not archive.is_file():
            raise CommandError(f"There is no archive at {archive}.")
        if not yes:
            raise CommandError(
                "This replaces the whole database and the media files with the backup's. "
                "Run it again with --yes to go ahead."
            )
        with maintenance.restoring(), tarfile.open(archive, "r:gz") as backup:
            manifest = read_manifest(backup)
            if manifest["database"]["vendor"] != vendor:
                raise CommandError(
                    f"This is a backup of a {manifest['database']['vendor']} database; "
                    f"the site runs on {vendor}."
                )
            with tempfile.TemporaryDirectory() as work:
                database = Path(work) / "database"
                source = backup.extractfile(manifest["database"]["file"])
                with source, database.open("wb") as target:
                    shutil.copyfileobj(source, target)
                restore_database(database)
            reset_sequences()
            restored = self.restore_media(backup)
            cache.clear()
        self.stdout.write(
            f"Restored the {vendor} database and {restored} media files from {archive}."
        )

    def restore_media(self, backup):
        root = media_root()
        members = [m for m in backup.getmembers() if m.name.startswith(f"{MEDIA}/")]
        if root is None:
            if members:
                self.stderr.write("Media is in object storage: restore it there.")
            return 0
        restored = 0
        for member in members:
            if not member.isfile():
                continue  # folders are made as needed; links are never restored
            target = media_target(root, member.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with backup.extractfile(member) as source, target.open("wb") as copy:
                shutil.copyfileobj(source, copy)
            restored += 1
        return restored
