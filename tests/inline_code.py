"""What a strict Content Security Policy would block in a page: inline script, style and
event handlers, and javascript: addresses."""

from html.parser import HTMLParser


class InlineCode(HTMLParser):
    """Collects whatever a strict CSP would block: inline script, style and handlers."""

    def __init__(self):
        super().__init__()
        self.found = []
        self.json_ld = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("type") == "application/ld+json":
                self.json_ld += 1
            elif not attrs.get("src"):
                self.found.append(f"inline <script> {attrs}")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name == "style":
                self.found.append(f"style attribute on <{tag}>: {value}")
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL in <{tag} {name}>")


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser
