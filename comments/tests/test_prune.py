import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from comments.models import Comment


def make_comment(review, days_ago, status=Comment.Status.APPROVED):
    return Comment.objects.create(
        review=review,
        author_name="Reader",
        author_email="reader@example.com",
        body=f"Written {days_ago} days ago, {status}.",
        status=status,
        ip_hash="f" * 64,
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )


def test_pruning_forgets_old_address_hashes_and_deletes_old_spam_only(make_review, settings):
    settings.COMMENTS_KEEP_ADDRESS_DAYS = 30
    settings.COMMENTS_KEEP_SPAM_DAYS = 90
    review = make_review()
    recent = make_comment(review, days_ago=2)
    old = make_comment(review, days_ago=40)
    recent_spam = make_comment(review, days_ago=40, status=Comment.Status.SPAM)
    old_spam = make_comment(review, days_ago=100, status=Comment.Status.SPAM)

    output = io.StringIO()
    call_command("prune_comments", stdout=output)

    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.ip_hash == "f" * 64
    assert old.ip_hash == ""
    assert old.body.startswith("Written 40 days ago")
    assert Comment.objects.filter(pk=recent_spam.pk, status=Comment.Status.SPAM).exists()
    assert not Comment.objects.filter(pk=old_spam.pk).exists()
    assert output.getvalue().strip() == "Forgot 2 address hashes; deleted 1 old spam comments."
