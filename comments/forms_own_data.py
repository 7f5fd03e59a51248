"""The forms of a reader's own data (comments/own_data.py): asking for the link, erasing."""

from django import forms


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="The one you gave with your comments.",
        error_messages={
            "required": "Give the email address you sent your comments from.",
            "invalid": "Give an email address, such as name@example.com.",
            "max_length": "An email address is at most 254 characters long.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class EraseForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="Yes, delete all my comments and everything kept with them. This cannot be undone.",
        error_messages={
            "required": "Tick the box to confirm that your comments are to be deleted."
        },
    )
