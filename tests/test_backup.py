"""``manage.py backup`` and ``manage.py restore``: a round trip keeps every review, every
comment and every media file, on SQLite and on PostgreSQL alike."""

import io
import json
import shutil
import tarfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from core import maintenance
from core.management.commands import restore as restore_module
from reviews.models import Review
from tests.factories import image_upload

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    """Everything a restore must bring back: reviews and comments, field by field, and the
    bytes of every media file."""
    media = Path(settings.MEDIA_ROOT)
    return {
        "reviews": list(Review.objects.order_by("pk").values()),
        "comments": list(Comment.objects.order_by("pk").values()),
        "tags": sorted(
            (review.pk, tag) for review in Review.objects.all() for tag in review.tags.names()
        ),
        "media": {
            path.relative_to(media).as_posix(): path.read_bytes()
            for path in sorted(media.rglob("*"))
            if path.is_file()
        },
    }


def backup(output):
    out = io.StringIO()
    call_command("backup", output=output, stdout=out)
    [archive] = output.glob("backup-*.tar.gz")
    assert str(archive) in out.getvalue()
    return archive


@pytest.fixture(autouse=True)
def var_dir(tmp_path):
    """The folder where a restore leaves its flag, this test's own."""
    with override_settings(VAR_DIR=tmp_path / "var"):
        yield tmp_path / "var"


def post_comment(review, body):
    return Client().post(
        f"/reviews/{review.pk}/comments/",
        {
            "author_name": "Ann",
            "author_email": "ann@example.com",
            "body": body,
            "issued": signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT),
        },
    )


@pytest.fixture
def site(make_review):
    """The seed content, and a review of our own with a hero image and comments."""
    call_command("seed", stdout=io.StringIO())
    review = make_review(
        headline="Backed up with its picture",
        hero_image=image_upload("still.jpg", (640, 360), "JPEG"),
        hero_alt="A red screen",
    )
    review.tags.add("archive")
    first = Comment.objects.create(
        review=review,
        author_name="Ruth",
        author_email="ruth@example.com",
        body="Approved.",
        status=Comment.Status.APPROVED,
    )
    Comment.objects.create(
        review=review,
        author_name="Tommy",
        author_email="t@example.com",
        body="A reply.",
        parent=first,
        status=Comment.Status.APPROVED,
    )
    Comment.objects.create(
        review=review, author_name="Kathy", author_email="k@example.com", body="Pending."
    )
    return review


def test_a_backup_restored_brings_back_every_review_comment_and_media_file(site, tmp_path, client):
    before = snapshot()
    assert len(before["reviews"]) >= 5 and len(before["comments"]) >= 3
    assert len(before["media"]) >= 2  # the image and its rendition
    archive = backup(tmp_path / "backups")

    Comment.objects.all().delete()
    Review.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    Review.objects.create(
        film=site.film, headline="Written after the backup", slug="later", body="."
    )

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)

    assert snapshot() == before
    assert "Restored" in out.getvalue()
    page = client.get(site.get_absolute_url())
    assert page.status_code == 200
    assert site.hero_image.url in page.text


def test_the_archive_holds_a_manifest_the_database_and_the_media(site, tmp_path):
    archive = backup(tmp_path)

    with tarfile.open(archive) as contents:
        names = contents.getnames()
        manifest = json.load(contents.extractfile("manifest.json"))
    assert manifest["database"]["file"] in names
    assert manifest["database"]["vendor"] in ("sqlite", "postgresql")
    assert sorted(manifest["media"]) == sorted(n for n in names if n.startswith("media/"))
    assert f"media/{site.hero_image.name}" in names


def test_restore_refuses_without_yes_and_changes_nothing(site, tmp_path):
    archive = backup(tmp_path)
    site.headline = "Changed after the backup"
    site.save()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))

    site.refresh_from_db()
    assert site.headline == "Changed after the backup"


def test_restore_refuses_an_archive_not_made_by_backup(db, tmp_path):
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as contents:
        contents.add(Path(__file__), arcname="notes.py")

    with pytest.raises(CommandError, match="not an archive made by"):
        call_command("restore", str(archive), yes=True)


def test_restore_never_writes_outside_the_media_folder(db, tmp_path):
    archive = backup(tmp_path / "backups")
    # The same archive with a file that climbs out of media/.
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member))
        escape = tarfile.TarInfo("media/../../escaped.txt")
        escape.size = 3
        target.addfile(escape, io.BytesIO(b"out"))

    with pytest.raises(CommandError, match="outside the media folder"):
        call_command("restore", str(tampered), yes=True)

    assert not (Path(settings.MEDIA_ROOT).parent.parent / "escaped.txt").exists()


def test_restore_refuses_a_backup_of_another_kind_of_database(db, tmp_path):
    archive = backup(tmp_path / "backups")
    other = tmp_path / "other.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(other, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(content)
                vendor = manifest["database"]["vendor"]
                manifest["database"]["vendor"] = "postgresql" if vendor == "sqlite" else "sqlite"
                content = json.dumps(manifest).encode()
                member.size = len(content)
            target.addfile(member, io.BytesIO(content))

    with pytest.raises(CommandError, match=f"This is a backup of a .*the site runs on {vendor}"):
        call_command("restore", str(other), yes=True)


def test_while_a_restore_runs_comments_are_refused_with_a_503_and_reads_go_on(site):
    comments_before = Comment.objects.count()
    with maintenance.restoring():
        refused = post_comment(site, "Sent during the restore.")
        page = Client().get(site.get_absolute_url())

    assert refused.status_code == 503
    assert refused["Retry-After"] == "300"
    assert "The site is being restored from a backup; try again in a few minutes" in (refused.text)
    assert "Backed up with its picture" in page.text
    assert Comment.objects.count() == comments_before
    assert not Comment.objects.filter(body="Sent during the restore.").exists()


def test_comments_are_accepted_again_once_the_restore_has_ended(site, tmp_path, monkeypatch):
    archive = backup(tmp_path / "backups")
    seen_during_restore = []

    def restore_database(path):
        seen_during_restore.append(post_comment(site, "Sent during the restore.").status_code)
        real_restore_database(path)

    real_restore_database = restore_module.restore_database
    monkeypatch.setattr(restore_module, "restore_database", restore_database)
    call_command("restore", str(archive), yes=True, stdout=io.StringIO())

    assert seen_during_restore == [503]
    assert post_comment(site, "Sent after the restore.").status_code == 302
    assert list(Comment.objects.filter(body__startswith="Sent").values_list("body", flat=True)) == [
        "Sent after the restore."
    ]


def test_a_failed_restore_lets_the_site_accept_writes_again(site, tmp_path, monkeypatch):
    archive = backup(tmp_path / "backups")

    def fail(path):
        raise CommandError("pg_restore failed: disk full")

    monkeypatch.setattr(restore_module, "restore_database", fail)
    with pytest.raises(CommandError):
        call_command("restore", str(archive), yes=True, stdout=io.StringIO())

    assert not maintenance.is_restoring()
    assert post_comment(site, "Sent after the failure.").status_code == 302


def test_after_a_restore_new_comments_get_ids_past_every_restored_one(site, tmp_path):
    archive = backup(tmp_path / "backups")
    Comment.objects.create(
        review=site, author_name="Lost", author_email="l@example.com", body="After the backup."
    )
    call_command("restore", str(archive), yes=True, stdout=io.StringIO())
    restored_ids = set(Comment.objects.values_list("pk", flat=True))

    post_comment(site, "The first after the restore.")

    new = Comment.objects.get(body="The first after the restore.")
    assert new.pk > max(restored_ids)
