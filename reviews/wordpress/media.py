"""The images a post shows, brought in from a copy of wp-content/uploads."""

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

from ..images import EXTENSIONS, reencode, validate_image_file

UPLOADS = "/wp-content/uploads/"
STORED_UNDER = "wordpress"


def is_web_address(src):
    return src.lower().startswith(("http://", "https://"))


class MediaImporter:
    """Gives each image address in a post the address it is shown from here.

    With ``media_dir``, an image under wp-content/uploads is read from there, checked and
    re-encoded as any upload is, and stored (not in a dry run). Otherwise, or when the file
    is missing or refused, the report lists it and the post keeps its address if it is
    http(s).
    """

    def __init__(self, report, media_dir=None, dry_run=False):
        self.report = report
        self.media_dir = Path(media_dir).resolve() if media_dir else None
        self.dry_run = dry_run
        self.stored = []
        self.seen = {}
        self.stored_names = {}  # src → name in storage, for a featured image

    def __call__(self, src):
        if src not in self.seen:
            self.seen[src] = self.resolve(src)
        return self.seen[src]

    def resolve(self, src):
        fallback = src if is_web_address(src) else ""
        path = unquote(urlsplit(src).path)
        relative = path.split(UPLOADS, 1)[1] if UPLOADS in path else None
        if self.media_dir is None or relative is None:
            self.report.missing_media.append(src)
            self.report.count("images not imported")
            return fallback
        file_path = (self.media_dir / relative).resolve()
        if not file_path.is_relative_to(self.media_dir) or not file_path.is_file():
            self.report.missing_media.append(src)
            self.report.count("images not imported")
            return fallback
        try:
            with file_path.open("rb") as opened:
                upload = File(opened, name=file_path.name)
                validate_image_file(upload)
                data, image_format = reencode(upload)
        except ValidationError as error:
            self.report.refused_media.append(f"{src}: {' '.join(error.messages)}")
            self.report.count("images not imported")
            return fallback
        name = PurePosixPath(STORED_UNDER, *PurePosixPath(relative).parent.parts[-2:])
        filename = get_valid_filename(PurePosixPath(relative).stem) or "image"
        name = str(name / f"{filename}{EXTENSIONS[image_format]}")
        self.report.count("images imported")
        if self.dry_run:
            return default_storage.url(name)
        stored = default_storage.save(name, ContentFile(data))
        self.stored.append(stored)
        self.stored_names[src] = stored
        return default_storage.url(stored)

    def discard(self):
        """Delete the images this import stored, when it did not go through."""
        for name in self.stored:
            default_storage.delete(name)
        self.stored = []
