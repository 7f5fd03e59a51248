"""The admin's history of a review or a film: its versions, compared two at a time, restored,
and deleted ones recovered (django-reversion with django-reversion-compare).

What each version carries is in ``reviews/revisions.py``.
"""

import reversion
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from reversion_compare.admin import CompareVersionAdmin
from reversion_compare.helpers import html_diff
from taggit.models import Tag, TaggedItem

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
    "tags",  # compared by their tagged items: see VersionedAdmin.compare
]


def same_foreign_key(field, version1, version2):
    if not getattr(field, "many_to_one", False) or not hasattr(field, "attname"):
        return False
    return version1.field_dict.get(field.attname) == version2.field_dict.get(field.attname)


def tag_names(obj, version):
    """The names of the tags ``obj`` had in ``version``'s revision, sorted."""
    items = version.revision.version_set.filter(
        content_type=ContentType.objects.get_for_model(TaggedItem)
    )
    content_type_id = ContentType.objects.get_for_model(obj).pk
    tag_ids = [
        item.field_dict["tag_id"]
        for item in items
        if item.field_dict["content_type_id"] == content_type_id
        and str(item.field_dict["object_id"]) == str(obj.pk)
    ]
    return sorted(Tag.objects.filter(pk__in=tag_ids).values_list("name", flat=True))


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

    def compare(self, obj, version1, version2):
        # django-reversion-compare cannot read a TaggableManager: the tags are compared
        # here, by name, from the tagged items each version keeps.
        diff, has_unfollowed_fields = super().compare(obj, version1, version2)
        # It also reports a foreign key it does not follow (a review's film) as changed
        # when it is not.
        diff = [entry for entry in diff if not same_foreign_key(entry["field"], version1, version2)]
        before, after = tag_names(obj, version1), tag_names(obj, version2)
        if before != after:
            field = obj._meta.get_field("tags")
            tags_diff = html_diff(", ".join(before), ", ".join(after))
            diff.append({"field": field, "is_related": False, "follow": True, "diff": tags_diff})
        return diff, has_unfollowed_fields

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
