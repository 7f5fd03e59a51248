"""Web addresses people give the site: http and https only, and never a link otherwise."""

import re

from django.core.validators import URLValidator

WEB_SCHEMES = ("http", "https")
WEB_ADDRESS_MESSAGE = "Enter a web address starting with http:// or https://."

validate_web_address = URLValidator(schemes=WEB_SCHEMES, message=WEB_ADDRESS_MESSAGE)

# How a browser reads an href: C0 controls and spaces around it, and tabs and newlines
# anywhere in it, do not count ("java\nscript:" is javascript:).
AROUND_URL = "".join(map(chr, range(0x21)))
TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
WEB_SCHEME = re.compile(r"https?:", re.IGNORECASE)


def safe_link_url(url):
    """The address, if a browser would open it as an http or https page; otherwise "".

    For an address that reached the database without the forms' checks (an import, the
    shell): ``javascript:``, ``vbscript:``, ``data:`` or anything else is shown as text.
    """
    if not url:
        return ""
    address = TAB_OR_NEWLINE.sub("", str(url).strip(AROUND_URL))
    return address if WEB_SCHEME.match(address) else ""
