"""Admin forms: the editors' mistakes explained on the field where they made them."""

from django import forms
from django.utils.text import Truncator
from taggit.models import Tag

from .images import validate_image_file
from .models import RelatedFilm
from .ratings import Rating, parse_rating

NOT_AN_IMAGE = "This file is not an image: upload a JPEG, PNG, WebP or GIF picture."
TAGS_HELP = (
    "Separate tags with commas: film noir, heist, Paris. "
    "A single tag of several words needs a comma after it (film noir,); "
    "without any comma, each word becomes a tag."
)


class CheckedImageField(forms.ImageField):
    """An image field that checks an upload as the model does before Pillow decodes it, so
    that a decompression bomb is refused as one, not as "not an image"."""

    def to_python(self, data):
        if hasattr(data, "size"):
            validate_image_file(data)
        return super().to_python(data)


RATING_FIELD_HELP = (
    "As the critic gave it: such as 3/4, 4.5/5, 8/10 or 72/100. "
    "Leave empty when the critic gave no rating."
)


class RatingField(forms.Field):
    """One box for a rating as the critic gave it, read by ``parse_rating``; its value is a
    Rating, or None when the box is empty."""

    widget = forms.TextInput

    def to_python(self, value):
        try:
            return parse_rating(value or "")
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid_rating") from error

    def prepare_value(self, value):
        return value.short if isinstance(value, Rating) else value


class EditorialForm(forms.ModelForm):
    """Tag help that explains taggit's parsing, and one wording for unreadable images."""

    image_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tags" in self.fields:
            self.fields["tags"].help_text = TAGS_HELP
        for name in self.image_fields:
            if name in self.fields:
                # Pillow's "not an image" from the form field, in the validator's words.
                self.fields[name].error_messages["invalid_image"] = NOT_AN_IMAGE

    def clean_tags(self):
        """taggit does not check a tag's length; the database would refuse a long one."""
        tags = self.cleaned_data["tags"]
        limit = Tag._meta.get_field("name").max_length
        for tag in tags:
            if len(tag) > limit:
                raise forms.ValidationError(
                    "A tag may be at most %(limit)d characters; “%(tag)s” has %(length)d.",
                    code="tag_too_long",
                    params={"limit": limit, "tag": Truncator(tag).chars(40), "length": len(tag)},
                )
        return tags


class FilmAdminForm(EditorialForm):
    image_fields = ("poster",)

    class Meta:
        field_classes = {"poster": CheckedImageField}


class CriticAdminForm(EditorialForm):
    image_fields = ("photo",)

    class Meta:
        field_classes = {"photo": CheckedImageField}


class ReviewAdminForm(EditorialForm):
    """The review, its rating typed in one box ("4.5/5") in place of the model's value,
    scale and step."""

    image_fields = ("hero_image",)
    rating = RatingField(required=False, help_text=RATING_FIELD_HELP)

    class Meta:
        field_classes = {"hero_image": CheckedImageField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("rating", self.instance.rating)

    def clean(self):
        cleaned_data = super().clean()
        if "rating" in cleaned_data:
            # Before the model validates itself, so that it checks the rating typed.
            self.instance.rating = cleaned_data["rating"]
        return cleaned_data


class RelatedFilmInlineForm(forms.ModelForm):
    class Meta:
        model = RelatedFilm
        fields = ["related", "position"]

    def clean(self):
        cleaned_data = super().clean()
        related = cleaned_data.get("related")
        if related is not None and related.pk == self.instance.film_id:
            self.add_error("related", "A film cannot be recommended after itself.")
        return cleaned_data
