"""A small HTML tree for tests: enough to find elements and read what a reader would see."""

from html.parser import HTMLParser

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
VOID_ELEMENTS |= {"source", "track", "wbr"}


class Element:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attr_list, self.parent = tag, attrs, parent
        self.attrs = {}
        for name, value in attrs:  # a browser keeps the first of a repeated attribute
            self.attrs.setdefault(name, value or "")
        self.children = []

    def descendants(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.descendants()

    def find_all(self, tag=None, class_=None, **attrs):
        return [
            node
            for node in self.descendants()
            if (tag is None or node.tag == tag)
            and (class_ is None or class_ in node.attrs.get("class", "").split())
            and all(node.attrs.get(name) == value for name, value in attrs.items())
        ]

    def find(self, tag=None, class_=None, **attrs):
        found = self.find_all(tag, class_, **attrs)
        return found[0] if found else None

    def child_elements(self, tag):
        return [child for child in self.children if isinstance(child, Element) and child.tag == tag]

    @property
    def raw_text(self):
        if self.tag == "br":
            return "\n"
        return "".join(
            child if isinstance(child, str) else child.raw_text for child in self.children
        )

    @property
    def text(self):
        return " ".join(self.raw_text.split())


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", [])

    def handle_starttag(self, tag, attrs):
        node = Element(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID_ELEMENTS:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text):
    """The document's root element (``#document``)."""
    builder = TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root
