"""The admin page where an editor uploads a WordPress export and reads the report."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse

from reviews.wordpress.parse import WXRError

from .wordpress import ImportOptions, import_wordpress


class WordPressImportForm(forms.Form):
    file = forms.FileField(
        label="WordPress export",
        help_text=(
            "The .xml file WordPress gives under Tools → Export (All content), at most "
            f"{filesizeformat(settings.WORDPRESS_MAX_UPLOAD_BYTES)}. Importing it again adds "
            "only what is new."
        ),
    )
    dry_run = forms.BooleanField(
        label="Dry run",
        required=False,
        initial=True,
        help_text="Read the file and show the report, without importing anything.",
    )
    publish_unmatched = forms.BooleanField(
        label="Publish posts whose film could not be told",
        required=False,
        help_text="Otherwise they are imported as drafts, waiting for their film.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.WORDPRESS_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"This file is {filesizeformat(upload.size)}; an export may be at most "
                f"{filesizeformat(settings.WORDPRESS_MAX_UPLOAD_BYTES)}. Export one year at a "
                "time (Tools → "
                "Export lets you choose the dates), or ask for manage.py import_wordpress."
            )
        return upload


def import_view(model_admin, request):
    """Staff who may add reviews upload an export; they read the report below the form.

    Images cannot come with an upload: the report lists them (manage.py import_wordpress
    --media-dir brings them in).
    """
    if not request.user.has_perm("reviews.add_review"):
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = WordPressImportForm(request.POST, request.FILES)
        if form.is_valid():
            options = ImportOptions(
                dry_run=form.cleaned_data["dry_run"],
                publish_unmatched=form.cleaned_data["publish_unmatched"],
            )
            try:
                report = import_wordpress(form.cleaned_data["file"], options)
            except WXRError as error:
                form.add_error("file", f"{error} Nothing was imported.")
            else:
                done = "Dry run: nothing was imported." if options.dry_run else "Imported."
                model_admin.message_user(request, done, messages.SUCCESS)
    else:
        form = WordPressImportForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import from WordPress",
        "form": form,
        "report": report,
    }
    return TemplateResponse(request, "admin/comments/wordpress_import.html", context)
