from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from comments.models import Comment


class Command(BaseCommand):
    help = (
        "Delete old spam and comments never confirmed, and forget commenters' address "
        "hashes, as the README promises."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        spam_cutoff = now - timedelta(days=settings.COMMENTS_KEEP_SPAM_DAYS)
        deleted, _ = Comment.objects.filter(
            status=Comment.Status.SPAM, submitted_at__lt=spam_cutoff
        ).delete()
        unconfirmed, _ = Comment.objects.never_confirmed(now).delete()
        address_cutoff = now - timedelta(days=settings.COMMENTS_KEEP_ADDRESS_DAYS)
        forgotten = (
            Comment.objects.filter(submitted_at__lt=address_cutoff)
            .exclude(ip_hash="")
            .update(ip_hash="")
        )
        message = f"Forgot {forgotten} address hashes; deleted {deleted} old spam comments."
        if unconfirmed:
            message += f" Deleted {unconfirmed} comments never confirmed."
        self.stdout.write(message)
