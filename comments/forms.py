import re
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import MaxLengthValidator
from django.forms.renderers import Jinja2
from django.utils.html import format_html

from core.weblinks import WEB_ADDRESS_MESSAGE

from .models import Comment, Flag

TIMESTAMP_SALT = "comments.form-timestamp"
# The signed time of issue is made for each reader, also in cached pages (core/pagecache.py):
# the whole hidden field, since an edge's ESI include cannot stand inside an attribute.
ISSUED_PER_READER = "comments.issued"
EMAIL_ADDRESS = re.compile(r"\S+@\S+\.\S+")


def signed_timestamp():
    return signing.dumps(time.time(), salt=TIMESTAMP_SALT)


def issued_field():
    """The form's hidden field with a time of issue signed now, as HTML: what its widget
    renders, written out, since every page-cache hit of a review makes one."""
    return format_html('<input type="hidden" name="issued" value="{}">', signed_timestamp())


# The comment form's widgets are rendered with Django's own Jinja2 templates for them: the
# same HTML as its Django templates give, at half the cost, on every review page rendered.
WIDGETS_RENDERER = Jinja2()


class CommentForm(forms.ModelForm):
    """The readers' comment form, with a honeypot and a signed time of issue."""

    default_renderer = WIDGETS_RENDERER

    # Hidden from people by CSS; a bot that fills every field gives itself away.
    nickname = forms.CharField(required=False, label="Leave this field empty")
    issued = forms.CharField(widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    author_url = forms.URLField(
        label="Website",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Optional.",
        error_messages={"invalid": WEB_ADDRESS_MESSAGE},
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )

    class Meta:
        model = Comment
        fields = ["author_name", "author_email", "author_url", "body", "has_spoilers", "notify"]
        labels = {
            "author_name": "Name",
            "author_email": "Email",
            "body": "Comment",
            "has_spoilers": "My comment gives away the plot (it is shown folded)",
            "notify": "Email me when my comment is approved and when someone replies to it",
        }
        help_texts = {
            "author_email": "Never published.",
            "author_name": "",
            "has_spoilers": "",
            "notify": "",
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "author_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "author_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review
        self.fields["author_name"].required = True
        self.fields["author_email"].required = True
        # The model's TextField has no limit; a validator, not the attribute, enforces one.
        self.fields["body"].max_length = settings.COMMENTS_MAX_LENGTH
        self.fields["body"].validators.append(MaxLengthValidator(settings.COMMENTS_MAX_LENGTH))
        self.fields["body"].widget.attrs["maxlength"] = settings.COMMENTS_MAX_LENGTH
        self.fields["body"].error_messages["required"] = "Write your comment."
        self.fields["author_name"].error_messages["required"] = "Give a name to sign it with."
        self.fields["author_email"].error_messages["required"] = (
            "Give your email address; it is never published."
        )
        self.fields["nickname"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if not self.is_bound:
            self.initial.setdefault("issued", signed_timestamp())

    def clean_author_name(self):
        name = self.cleaned_data["author_name"]
        # The name is published and the email is not: keep an address out of the name.
        if EMAIL_ADDRESS.search(name):
            raise forms.ValidationError(
                "Give a name rather than an email address: the name is published."
            )
        return name

    def clean_body(self):
        """The text with ``\\n`` line ends: browsers send a textarea's lines ended ``\\r\\n``."""
        body = self.cleaned_data["body"].replace("\r\n", "\n").strip()
        if not body:
            raise forms.ValidationError("Write your comment.")
        return body

    def clean_issued(self):
        """The seconds since the form was issued; a stale or forged form is refused."""
        try:
            issued = signing.loads(
                self.cleaned_data["issued"],
                salt=TIMESTAMP_SALT,
                max_age=settings.COMMENTS_MAX_FORM_AGE,
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This form was open too long. Check your comment and send it again."
            )
        except signing.BadSignature:
            raise forms.ValidationError(
                "This form could not be checked. Check your comment and send it again."
            )
        return time.time() - float(issued)

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = Comment.objects.approved().filter(pk=parent_id, review=self.review).first()
        if parent is None:
            raise forms.ValidationError("The comment you are replying to is not available.")
        if parent.depth + 1 >= settings.COMMENTS_THREAD_DEPTH:
            raise forms.ValidationError(
                "Replies cannot go deeper here; reply to an earlier comment in the thread."
            )
        return parent

    def clean(self):
        cleaned = super().clean()
        body, email = cleaned.get("body"), cleaned.get("author_email")
        if body and email:
            duplicate = Comment.objects.filter(
                review=self.review, author_email=email.lower(), body=body
            ).exclude(status=Comment.Status.SPAM)
            # Sent again after its confirmation link expired, it is no duplicate.
            duplicate = duplicate.exclude(pk__in=Comment.objects.never_confirmed().values("pk"))
            if duplicate.exists():
                raise forms.ValidationError("You’ve already said that.", code="duplicate")
        return cleaned

    def refresh_timestamp(self):
        """Issue a fresh timestamp, so a re-shown form can be sent again."""
        data = self.data.copy()
        data["issued"] = signed_timestamp()
        self.data = data


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the comment."},
    )
