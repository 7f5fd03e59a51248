"""The review form's Preview button and the drafts of published reviews, for ReviewAdmin.

Preview posts the form, as typed, to a view that validates it as saving would and shows
the review page from the unsaved values; "Save draft" keeps a published review's edit in a
ReviewDraft, and the form then continues the draft until it is published or discarded.
Both buttons are plain submit buttons (``formaction``/``formtarget``, no script), under the
admin's Content Security Policy.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.forms.formsets import all_valid
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST
from reversion_compare.helpers import html_diff

from . import drafts, previews
from .models import DRAFTED_INLINES, FurtherReading, PullQuote, Review, ReviewDraft

SAVE_DRAFT = "_save_draft"
PUBLISH_DRAFT = "_publish_draft"
IMAGE_NOT_DRAFTED = (
    "A draft keeps the published image: save the review to change its image, "
    "or publish the draft first."
)


def formset_objects(formset):
    """The unsaved objects a valid formset holds, as saving it would leave them."""
    return [form.instance for form in drafts.kept_forms(formset)]


class ReviewPreviewMixin:
    """For ReviewAdmin: Preview, and Save / Preview / Publish / Discard draft."""

    def get_urls(self):
        named = f"{self.opts.app_label}_{self.opts.model_name}_"
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name=named + "preview"),
            path(
                "<path:object_id>/draft/preview/",
                view(self.draft_preview_view),
                name=named + "draft_preview",
            ),
            path(
                "<path:object_id>/draft/compare/",
                view(self.draft_compare_view),
                name=named + "draft_compare",
            ),
            path(
                "<path:object_id>/draft/discard/",
                view(require_POST(self.discard_draft_view)),
                name=named + "draft_discard",
            ),
            # After the draft's: an object id may hold a slash.
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name=named + "preview_change",
            ),
            *super().get_urls(),
        ]

    def _review_to_change(self, request, object_id):
        review = self.get_object(request, unquote(object_id))
        if review is None:
            raise Http404("No such review.")
        if not self.has_change_permission(request, review):
            raise PermissionDenied
        return review

    # Preview

    def _url_name(self, name):
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}"

    def preview_view(self, request, object_id=None):
        """The review page from the posted form, saving nothing; its errors if it is invalid."""
        if request.method != "POST":
            url = self._url_name("change") if object_id else self._url_name("add")
            return HttpResponseRedirect(reverse(url, args=[object_id] if object_id else []))
        review = self._review_to_change(request, object_id) if object_id else None
        if review is None and not self.has_change_permission(request):
            raise PermissionDenied
        stored_image = (
            (review.hero_image, review.hero_width, review.hero_height) if review else None
        )
        form = self.get_form(request, review, change=review is not None)(
            request.POST, request.FILES, instance=review or Review()
        )
        formsets = [
            formset_class(
                **self.get_formset_kwargs(
                    request, form.instance, inline, formset_class.get_default_prefix()
                )
            )
            for formset_class, inline in self.get_formsets_with_inlines(request, review)
        ]
        form_valid = form.is_valid()  # both, so that every error is shown
        if not (all_valid(formsets) and form_valid):
            response = TemplateResponse(
                request,
                "admin/reviews/review/preview_errors.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "The preview cannot be shown",
                    "opts": self.opts,
                    "form": form,
                    "formsets": formsets,
                },
            )
            patch_cache_control(response, private=True, no_store=True)
            return response
        previewed = form.instance
        image_not_saved = "hero_image" in form.changed_data
        if image_not_saved:
            # An image chosen but not uploaded yet has no renditions to show.
            previewed.hero_image, previewed.hero_width, previewed.hero_height = stored_image or (
                None,
                None,
                None,
            )
        by_model = {formset.model: formset_objects(formset) for formset in formsets}
        previewed = previews.with_shown_relations(
            previewed,
            tags=previews.tags_named(form.cleaned_data.get("tags", [])),
            pull_quotes=by_model.get(PullQuote, []),
            further_reading=by_model.get(FurtherReading, []),
        )
        return previews.render_preview(
            request, previewed, preview_of="form", image_not_saved=image_not_saved
        )

    # Drafts of published reviews

    def draft_preview_view(self, request, object_id):
        review = self._review_to_change(request, object_id)
        draft = get_object_or_404(ReviewDraft, review=review)
        return previews.render_preview(
            request, previews.from_draft(draft), preview_of="draft", draft=draft
        )

    def draft_compare_view(self, request, object_id):
        """The draft beside the published review: each field it changes, word by word."""
        review = self._review_to_change(request, object_id)
        draft = get_object_or_404(ReviewDraft, review=review)
        changes = [
            (label, html_diff(live, edited))
            for label, live, edited in drafts.differences(review, draft)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"The draft of “{review.headline}” beside the published review",
            "opts": self.opts,
            "original": review,
            "draft": draft,
            "changes": changes,
            "change_url": reverse(self._url_name("change"), args=[review.pk]),
        }
        response = TemplateResponse(request, "admin/reviews/review/draft_compare.html", context)
        patch_cache_control(response, private=True, no_store=True)
        return response

    def discard_draft_view(self, request, object_id):
        review = self._review_to_change(request, object_id)
        if drafts.discard_draft(review):
            self.log_change(request, review, "Discarded the draft.")
            self.message_user(
                request, "The draft was discarded: the form shows the published review again."
            )
        return HttpResponseRedirect(reverse(self._url_name("change"), args=[review.pk]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        """With a draft, the form starts from the draft's values, to continue it; saving a
        draft refuses a new image, which a draft does not keep."""
        form_class = super().get_form(request, obj, change=change, **kwargs)
        draft = drafts.draft_of(obj)
        saving_draft = self.is_saving_draft(request, change)
        if draft is None and not saving_draft:
            return form_class
        initial = draft.form_initial() if draft is not None else {}

        class DraftForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.initial.update(initial)

            def clean(self):
                cleaned_data = super().clean()
                if saving_draft and "hero_image" in self.changed_data:
                    self.add_error("hero_image", IMAGE_NOT_DRAFTED)
                return cleaned_data

        DraftForm.__name__ = form_class.__name__
        return DraftForm

    def get_formsets_with_inlines(self, request, obj=None):
        """With a draft, the drafted inlines' rows are the draft's: new rows that replace
        the live ones when the review is saved (see ``save_formset``)."""
        draft = drafts.draft_of(obj)
        for formset_class, inline in super().get_formsets_with_inlines(request, obj):
            if draft is not None and inline.model in DRAFTED_INLINES:
                rows = getattr(draft, DRAFTED_INLINES[inline.model][0])
                formset_class = inline.get_formset(request, obj, extra=len(rows))
            yield formset_class, inline

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        draft = drafts.draft_of(obj)
        if draft is not None and inline.model in DRAFTED_INLINES:
            kwargs["queryset"] = inline.model.objects.none()
            if request.method != "POST":
                kwargs["initial"] = getattr(draft, DRAFTED_INLINES[inline.model][0])
        return kwargs

    def is_saving_draft(self, request, change):
        """Whether this save of the form keeps it as the review's draft."""
        return bool(change) and SAVE_DRAFT in request.POST

    def save_model(self, request, obj, form, change):
        if not self.is_saving_draft(request, change):
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model in DRAFTED_INLINES and drafts.draft_of(form.instance) is not None:
            formset.model.objects.filter(review=form.instance).delete()
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        """Saving a draft stores the form instead; saving the review ends its draft."""
        if self.is_saving_draft(request, change):
            inlines = {
                DRAFTED_INLINES[formset.model][0]: drafts.inline_values(formset)
                for formset in formsets
                if formset.model in DRAFTED_INLINES
            }
            drafts.save_draft(form.instance, form.cleaned_data, inlines, request.user)
            return
        super().save_related(request, form, formsets, change)
        if change:
            drafts.discard_draft(form.instance)

    def construct_change_message(self, request, form, formsets, add=False):
        if self.is_saving_draft(request, not add):
            return "Saved a draft (not published)."
        return super().construct_change_message(request, form, formsets, add)

    def response_change(self, request, obj):
        change_url = reverse(self._url_name("change"), args=[obj.pk])
        if SAVE_DRAFT in request.POST:
            self.message_user(
                request,
                "Draft saved. Readers still see the published review until you publish the draft.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        if PUBLISH_DRAFT in request.POST:
            self.message_user(request, "The draft is published: readers see it now.")
            return HttpResponseRedirect(change_url)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        review_id = [obj.pk] if obj is not None and obj.pk else []
        name = "preview_change" if review_id else "preview"
        context.update(
            preview_url=reverse(self._url_name(name), args=review_id),
            review_draft=drafts.draft_of(obj),
            may_draft=bool(review_id) and obj.is_published,
        )
        if context["review_draft"] is not None:
            context["draft_preview_url"] = reverse(self._url_name("draft_preview"), args=review_id)
            context["draft_discard_url"] = reverse(self._url_name("draft_discard"), args=review_id)
            context["draft_compare_url"] = reverse(self._url_name("draft_compare"), args=review_id)
        return super().render_change_form(request, context, add, change, form_url, obj)
