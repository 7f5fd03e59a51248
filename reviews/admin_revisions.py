"""The admin's history of a review or a film: its versions, compared two at a time, restored,
and deleted ones recovered (django-reversion with django-reversion-compare).

What each version carries is in ``reviews/revisions.py``.
"""

import reversion
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from reversion_compare.admin import CompareVersionAdmin

# Stored renderings of the body and the images' sizes: the compare page shows what an
# editor typed and chose, not what is derived from it.
DERIVED_FIELDS = [
    "body_html",
    "body_sections",
    "hero_width",
    "hero_height",
    "hero_renditions",
    "poster_width",
    "poster_height",
    "poster_renditions",
    "rating_normalised",
    "updated_at",
]


class VersionedAdmin(CompareVersionAdmin):
    """Every save in the admin keeps a version, with who saved it and what they changed
    (the history's change message); a deletion keeps one last version to recover."""

    compare_exclude = DERIVED_FIELDS
    history_latest_first = True

    def changelist_view(self, request, extra_context=None):
        # Only the actions (a POST) save: the list itself needs no revision, nor the
        # transaction that comes with one. Nor does deleting: each record keeps its own
        # last version first, which an enclosing revision would save only after the
        # deletion, and so not at all.
        if request.method == "POST" and request.POST.get("action") != "delete_selected":
            return super().changelist_view(request, extra_context)
        context = {"has_change_permission": self.has_change_permission(request)}
        return admin.ModelAdmin.changelist_view(self, request, {**context, **(extra_context or {})})

    def compare_view(self, request, object_id, extra_context=None):
        # django-reversion-compare's own view asks only for a staff account.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().compare_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        self.keep_before_deleting(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self.keep_before_deleting(request, queryset)
        super().delete_queryset(request, queryset)

    def keep_before_deleting(self, request, objects):
        """A version of each, as it is now: what the recover page brings back, even for a
        record no one had saved through the admin (imported, seeded)."""
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("Deleted.")
            for obj in objects:
                reversion.add_to_revision(obj)
