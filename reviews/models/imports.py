"""What was brought in from elsewhere (a WordPress blog), so that importing again adds only
what is new."""

from django.db import models


class ImportedItem(models.Model):
    """One post, comment or image of a blog, and what it became here.

    ``object_id`` is the primary key of the review, comment or stored file's review; the
    kind says which. Kept as a plain number so that the reviews app needs to know nothing
    of comments.
    """

    class Kind(models.TextChoices):
        POST = "post", "Post"
        COMMENT = "comment", "Comment"
        MEDIA = "media", "Image"

    source = models.CharField(max_length=300, help_text="The blog's address.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    wp_id = models.BigIntegerField("WordPress id")
    guid = models.CharField("GUID", max_length=500, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    stored_name = models.CharField(max_length=300, blank=True, help_text="For images.")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "kind", "wp_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "wp_id"], name="imported_item_once_per_source"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.wp_id} from {self.source}"
