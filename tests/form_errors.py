"""How the admin's forms refuse a mistake: the message, on the field, as the editor reads it."""

from pytest_django.asserts import assertContains


def field_errors(response):
    """The main form's errors, by field, as the editor reads them beside each field."""
    form = response.context["adminform"].form
    return {field: list(messages) for field, messages in form.errors.items()}


def assert_refused_on(response, field, message):
    """The form came back with this one message, shown in the field's own error list."""
    assert field_errors(response) == {field: [message]}
    assertContains(
        response, f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>', html=True
    )
