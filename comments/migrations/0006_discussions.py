"""Comments' data on a review moves out of the review into its discussion: whether readers
may comment, and the count of approved comments the listings show.

Runs before reviews' migration that removes those two fields from the review, so that the
reviews app's migrations never depend on the comments app."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

BATCH = 2000


def copy_from_reviews(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    Discussion = apps.get_model("comments", "Discussion")
    rows = Review.objects.order_by("pk").values_list("pk", "comments_open", "comment_count")
    Discussion.objects.bulk_create(
        (
            Discussion(review_id=pk, is_open=is_open, approved_count=count)
            for pk, is_open, count in rows.iterator(chunk_size=BATCH)
        ),
        batch_size=BATCH,
    )


def copy_back_to_reviews(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    Discussion = apps.get_model("comments", "Discussion")
    discussions = Discussion.objects.filter(review=OuterRef("pk"))
    Review.objects.update(
        comments_open=Coalesce(
            Subquery(discussions.values("is_open")), True
        ),
        comment_count=Coalesce(
            Subquery(discussions.values("approved_count")), 0
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0005_web_addresses_http_or_https"),
        ("reviews", "0008_web_addresses_http_or_https"),
    ]
    run_before = [("reviews", "0010_remove_comment_fields")]

    operations = [
        migrations.CreateModel(
            name="Discussion",
            fields=[
                (
                    "review",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="discussion",
                        serialize=False,
                        to="reviews.review",
                    ),
                ),
                (
                    "is_open",
                    models.BooleanField(
                        default=True,
                        help_text="Readers may comment on the review.",
                        verbose_name="open for comments",
                    ),
                ),
                (
                    "approved_count",
                    models.PositiveIntegerField(
                        default=0, editable=False, verbose_name="approved comments"
                    ),
                ),
            ],
            options={"ordering": ["review"]},
        ),
        migrations.RunPython(copy_from_reviews, copy_back_to_reviews),
    ]
