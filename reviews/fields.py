from django import forms
from django.db import models

from core.weblinks import WEB_ADDRESS_MESSAGE, validate_web_address


class WebAddressField(models.URLField):
    """A URLField for http and https addresses only, refused otherwise with one message in
    the forms (the admin's included) and the model alike."""

    default_validators = [validate_web_address]

    def formfield(self, **kwargs):
        return super().formfield(
            **{
                "form_class": forms.URLField,
                "assume_scheme": "https",
                "error_messages": {"invalid": WEB_ADDRESS_MESSAGE},
                **kwargs,
            }
        )
