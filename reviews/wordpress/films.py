"""Proposing each post's film (title and year) and rating, as critics write them."""

import re
from dataclasses import asdict, dataclass
from decimal import Decimal

from ..ratings import Rating, parse_rating

YEAR = re.compile(r"[(\[]\s*((?:18|19|20)\d\d)\s*[)\]]")
QUOTED = re.compile(r"[‘“\"'«]([^‘’“”\"«»]{2,120}?)[’”\"'»]")
REVIEW_WORDS = re.compile(
    r"^[^:|–—]{0,40}?\breviews?\s*[:|–—-]\s*"
    r"|\s*[:|–—-]?\s*(?:(?:a|the|film|movie)\s+)?reviews?\s*$"
    r"|^\s*\[?reviews?\]\s*|\s*\[reviews?\]\s*$",
    re.IGNORECASE,
)
LETTER_GRADES = ["F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+"]
LABELLED_GRADE = re.compile(r"\b(?:grade|rating|verdict)\s*[:：-]\s*([A-DF][+-]?)(?![\w+-])", re.I)
LABELLED_RATING = re.compile(
    r"\b(?:rating|grade|verdict|score|stars)\s*[:：-]\s*"
    r"(\d{1,3}(?:[.,]5)?|\d?½)\s*(?:/|out of)\s*(\d{1,3})",
    re.I,
)
STARS_WRITTEN = re.compile(r"(\d(?:[.,]5)?|\d?½)\s*(?:/|out of)\s*([45]|10)\s*stars?\b", re.I)
STAR_SYMBOLS = re.compile(r"(★+)(½|☆|✩|✰)*")
FRACTION = re.compile(r"(?<![\d/.])(\d{1,3}(?:[.,]5)?|\d?½)\s*(?:/|out of)\s*(4|5|10|100)(?![\d/])")


@dataclass
class FilmProposal:
    title: str
    year: int | None
    confident: bool
    reason: str

    def as_dict(self):
        return asdict(self)


def clean_title(title):
    title = " ".join(title.split())
    quoted = QUOTED.search(title)
    if quoted:
        return quoted[1].strip(), True
    previous = None
    while previous != title:
        previous = title
        title = REVIEW_WORDS.sub("", title).strip()
    return title.strip(" :–—-|"), False


def propose_film(post_title, tags=(), categories=(), find_film=None):
    """The film a post reviews, from its title ("Review: Never Let Me Go (2010)"), tags and
    categories. ``find_film(title, year)`` finds an existing film (year may be None).

    A proposal is confident when the title gives a year, or names a film the site knows.
    """
    labels = [" ".join(label.split()) for label in [*tags, *categories]]
    year_match = YEAR.search(post_title)
    year = int(year_match[1]) if year_match else None
    if year is None:
        year = next(
            (int(label) for label in labels if re.fullmatch(r"(18|19|20)\d\d", label)), None
        )
    title, was_quoted = clean_title(YEAR.sub("", post_title))
    # A tag or category such as "Never Let Me Go (2010)" names the film outright.
    labelled = [
        (YEAR.sub("", label).strip(), int(YEAR.search(label)[1]))
        for label in labels
        if YEAR.search(label)
    ]
    if find_film:
        candidates = [(title, year), *labelled, *((label, year) for label in labels)]
        for candidate, candidate_year in candidates:
            film = find_film(candidate, candidate_year)
            if film is not None:
                return FilmProposal(film.title, film.year, True, f"matches the film {film}")
    if title and year is not None:
        return FilmProposal(title, year, True, "title and year from the post")
    if labelled:
        return FilmProposal(*labelled[0], True, "title and year from a tag or category")
    if not title:
        return FilmProposal(post_title.strip() or "Untitled", year, False, "no film in the title")
    reason = "quoted title, no year" if was_quoted else "no year in the title"
    return FilmProposal(title, year, False, reason)


def proposed_rating(text):
    """The rating a post gives, as ``(Rating, how it was written)``, or ``(None, "")``.

    Read in order of confidence: a labelled rating or grade ("Rating: 4.5/5", "Grade: B+"),
    "3/4 stars", star symbols ("★★★½", out of 4 unless empty stars say otherwise), then a
    bare "8/10". The last match of each kind wins: critics sum up at the end.
    """
    for pattern in (LABELLED_RATING, STARS_WRITTEN):
        if found := last_rating(pattern, text):
            return found
    if grades := LABELLED_GRADE.findall(text):
        grade = grades[-1].upper()
        value = Decimal(LETTER_GRADES.index(grade)).quantize(Decimal("0.1"))
        return Rating(value, len(LETTER_GRADES) - 1), f"grade {grade}"
    if symbols := list(STAR_SYMBOLS.finditer(text)):
        written = symbols[-1][0]
        full = written.count("★")
        half = "½" in written
        empty = len(re.findall("[☆✩✰]", written))
        best = full + half + empty if empty else (4 if full + half <= 4 else 5)
        value = Decimal(full) + (Decimal("0.5") if half else 0)
        if value <= best and best <= 10:
            return Rating(value.quantize(Decimal("0.1")), best), written
    if found := last_rating(FRACTION, text):
        return found
    return None, ""


def last_rating(pattern, text):
    for match in reversed(list(pattern.finditer(text))):
        try:
            rating = parse_rating(f"{match[1]}/{match[2]}")
        except ValueError:
            continue
        if rating is not None:
            return rating, " ".join(match[0].split())
    return None
