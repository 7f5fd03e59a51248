"""The admin page where an editor uploads a WordPress export and reads the report."""

from functools import partial
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse

from reviews.wordpress.parse import WXRError, read_wxr

from .models import WordPressImport
from .tasks import import_wordpress_upload


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
                "time (Tools → Export lets you choose the dates), or ask for manage.py "
                "import_wordpress."
            )
        return upload

    def save(self, user):
        """The upload, kept and queued for a worker; None, with the form's error, when the
        file cannot be imported."""
        upload = self.cleaned_data["file"]
        try:
            read_wxr(upload)
        except WXRError as error:
            self.add_error("file", f"{error} Nothing was imported.")
            return None
        upload.seek(0)
        kept = WordPressImport.objects.create(
            file_name=upload.name[:255],
            content=upload.read(),
            dry_run=self.cleaned_data["dry_run"],
            publish_unmatched=self.cleaned_data["publish_unmatched"],
            uploaded_by=user,
        )
        transaction.on_commit(partial(import_wordpress_upload.enqueue, kept.pk))
        return kept


def import_view(model_admin, request):
    """Staff who may add reviews upload an export. The file is read at once (one that cannot
    be imported is refused on the form), then imported by a worker; the page shows the
    import's report when it is done, and refreshes itself until then.

    Images cannot come with an upload: the report lists them (manage.py import_wordpress
    --media-dir brings them in).
    """
    if not request.user.has_perm("reviews.add_review"):
        raise PermissionDenied
    uploads = WordPressImport.objects.defer("content").select_related("uploaded_by")
    upload = None
    if request.method == "POST":
        form = WordPressImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.save(request.user)
            if upload is not None:
                return redirect(f"{request.path}?{urlencode({'import': upload.pk})}")
    elif "import" in request.GET:
        if not request.GET["import"].isdigit():
            raise Http404("No such import.")
        upload = get_object_or_404(uploads, pk=request.GET["import"])
        form = WordPressImportForm(initial=upload.options())
    else:
        form = WordPressImportForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import from WordPress",
        "form": form,
        "upload": upload,
        "recent_uploads": uploads[:5],
    }
    return TemplateResponse(request, "admin/comments/wordpress_import.html", context)
