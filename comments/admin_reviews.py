"""The reviews' admin page with the switch for their comments; comments/admin.py registers it."""

from django import forms
from django.contrib import admin
from django.urls import path

from reviews import admin as reviews_admin
from reviews.forms import ReviewAdminForm

from . import admin_wordpress, services
from .models import discussion_of


class ReviewWithCommentsForm(ReviewAdminForm):
    comments_open = forms.BooleanField(
        label="Open for comments",
        required=False,
        initial=True,
        help_text="Readers may comment on the review.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("comments_open", discussion_of(self.instance).is_open)


class ReviewAdmin(reviews_admin.ReviewAdmin):
    """The reviews' admin, with the switch that opens or closes the review's comments."""

    form = ReviewWithCommentsForm
    list_filter = [*reviews_admin.ReviewAdmin.list_filter, "discussion__is_open"]
    fieldsets = [*reviews_admin.ReviewAdmin.fieldsets, ("Comments", {"fields": ["comments_open"]})]

    change_list_template = "admin/comments/review_change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        importing = self.admin_site.admin_view(self.import_wordpress_view)
        return [
            path("import-wordpress/", importing, name=f"{info[0]}_{info[1]}_import_wordpress"),
            *super().get_urls(),
        ]

    def import_wordpress_view(self, request):
        return admin_wordpress.import_view(self, request)

    def save_model(self, request, review, form, change):
        super().save_model(request, review, form, change)
        if not self.is_saving_draft(request, change):  # a draft changes the text alone
            services.set_comments_open(review, form.cleaned_data["comments_open"])

    @admin.display(description="Open for comments", boolean=True)
    def comments_open(self, review):
        """For those who may only view the review."""
        return discussion_of(review).is_open
