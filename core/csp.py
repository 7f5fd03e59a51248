"""The Content Security Policy: one for the public site, a looser one for the admin.

django-csp sends ``CONTENT_SECURITY_POLICY`` on every response. Django's admin (and this
project's admin customisations) put styles inline, so pages under the admin's URL get
``ADMIN_CONTENT_SECURITY_POLICY`` instead; neither allows inline script.
"""

from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings

from .links import fixed_url


def is_admin(request):
    return request.path.startswith(fixed_url("admin:index"))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's own policy for the admin's pages."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        # A view's own @csp decorator still wins; otherwise the admin gets its policy.
        if not report_only and parts.config is None and is_admin(request):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts
