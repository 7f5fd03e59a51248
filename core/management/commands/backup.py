"""``manage.py backup [--output DIR]``: the whole site, its database and its media, in one
timestamped archive, taken while the site runs. ``manage.py restore`` puts it back.

It backs up every app's data, not only the reviews app's: a command has to live in an app,
and the design keeps no other place for it.

The archive, ``backup-YYYYMMDD-HHMMSS.tar.gz`` (UTC), holds:

- ``manifest.json``: the format, when it was taken, the database vendor, the media files;
- the database, copied the database's own way, for fidelity and speed:
  ``database.sqlite3`` on SQLite, through SQLite's online backup API, which copies a
  consistent snapshot while other processes go on writing; ``database.pgdump`` on
  PostgreSQL, from ``pg_dump`` in its custom format, consistent by its snapshot
  (``pg_dump`` must be on PATH, of the server's major version or newer);
- ``media/``: every file under ``MEDIA_ROOT``. It is copied after the database, so every
  file the database names is in it (uploads are stored before the row that names them).
  Media kept in object storage is not copied: back it up where it lives.
"""

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
LIBPQ_ENVIRONMENT = {
    "HOST": "PGHOST",
    "PORT": "PGPORT",
    "USER": "PGUSER",
    "PASSWORD": "PGPASSWORD",
    "NAME": "PGDATABASE",
}


def check_vendor():
    if connection.vendor not in DATABASE_FILES:
        raise CommandError(f"Backups work on SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def run_postgres_tool(name, *arguments):
    """Run pg_dump or pg_restore against the site's database (as Django connects to it)."""
    executable = shutil.which(name)
    if executable is None:
        raise CommandError(
            f"{name} is not on PATH: install PostgreSQL's client programs "
            "(on Debian: apt-get install postgresql-client)."
        )
    environment = dict(os.environ)
    for key, variable in LIBPQ_ENVIRONMENT.items():
        if connection.settings_dict.get(key):
            environment[variable] = str(connection.settings_dict[key])
    if sslmode := connection.settings_dict.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = sslmode
    result = subprocess.run(  # noqa: S603 (a fixed program, arguments of our own)
        [executable, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise CommandError(f"{name} failed: {result.stderr.strip()}")


def media_root():
    """The folder of uploaded media, or None when media is kept elsewhere."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.location)
    return None


def dump_database(path):
    """Write a consistent copy of the whole database to ``path``."""
    if check_vendor() == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as target:
            connection.connection.backup(target)
    else:
        run_postgres_tool(
            "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"
        )


def media_files(root):
    """``(path, name in the archive)`` of every regular file under ``root``, in order."""
    if root is None or not root.is_dir():
        return []
    return [
        (path, f"{MEDIA}/{path.relative_to(root).as_posix()}")
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    ]


def archive_path(output):
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    path, n = output / f"backup-{stamp}.tar.gz", 2
    while path.exists():
        path, n = output / f"backup-{stamp}-{n}.tar.gz", n + 1
    return path


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the whole site, its database and its media, to a "
        "timestamped .tar.gz archive, while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=settings.VAR_DIR / "backups",
            help="The folder to write the archive to (default: var/backups).",
        )

    def handle(self, *args, output, **options):
        vendor = check_vendor()
        output.mkdir(parents=True, exist_ok=True)
        path = archive_path(output)
        with tempfile.TemporaryDirectory() as work:
            database = Path(work) / DATABASE_FILES[vendor]
            dump_database(database)
            # After the database: the files its rows name were stored before them.
            root = media_root()
            media = media_files(root)
            manifest = {
                "format": FORMAT,
                "created": datetime.datetime.now(datetime.UTC).isoformat(),
                "database": {"vendor": vendor, "file": database.name},
                "media": [name for _, name in media],
            }
            manifest_file = Path(work) / MANIFEST
            manifest_file.write_text(json.dumps(manifest, indent=2))
            # Written under a temporary name, so no half-written archive has a backup's name.
            partial = path.with_name(f".{path.name}.partial")
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(manifest_file, arcname=MANIFEST)
                archive.add(database, arcname=database.name)
                for file, name in media:
                    archive.add(file, arcname=name, recursive=False)
            partial.replace(path)
        where = "" if root is not None else " (media is in object storage: back it up there)"
        self.stdout.write(
            f"Backed up the {vendor} database and {len(media)} media files to {path}{where}."
        )
