"""What an import did, or would do: counts of each kind, and what needs a person."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Report:
    dry_run: bool = False
    source: str = ""
    wxr_version: str = ""
    counts: Counter = field(default_factory=Counter)
    collisions: list = field(default_factory=list)
    unmatched: list = field(default_factory=list)
    missing_media: list = field(default_factory=list)
    refused_media: list = field(default_factory=list)

    def count(self, what, number=1):
        self.counts[what] += number

    def lines(self):
        """The report as a person reads it, a line each."""
        heading = "Dry run: nothing was written." if self.dry_run else "Imported."
        lines = [f"{heading} WXR {self.wxr_version} from {self.source or 'an unnamed blog'}."]
        lines += [f"{what}: {number}" for what, number in sorted(self.counts.items())]
        sections = [
            ("Slugs already taken here, given another", self.collisions),
            ("Posts whose film could not be told (imported as drafts to confirm)", self.unmatched),
            (
                "Images not found (the body keeps an http(s) address, else drops it)",
                self.missing_media,
            ),
            ("Images refused", self.refused_media),
        ]
        for title, entries in sections:
            if entries:
                lines.append(f"{title}:")
                lines += [f"  {entry}" for entry in entries]
        return lines

    def __str__(self):
        return "\n".join(self.lines())
