"""A rating on the critic's own scale: as editors type it, and as readers see it."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WHOLE_STAR = Decimal("1")
HALF_STAR = Decimal("0.5")

# The scales drawn as stars. More stars no longer read at a glance (8 of 10 is hard to
# count) and soon overflow a phone; a rating on any other scale is written as numbers.
STAR_SCALES = frozenset({4, 5})

AVERAGE_SCALE = 100
LARGEST_SCALE = 100  # as the review_rating_scale constraint allows

RATING_HELP = "Type the rating as the critic gave it, such as 3/4, 4.5/5 or 8/10."
SCALE_HELP = f"The best possible rating, after the /, is from 1 to {LARGEST_SCALE}. {RATING_HELP}"

# "3/4", "4.5 / 5", "4,5/5", "3½/4", "3 out of 4", "4.5 of 5", "3/4 stars". Whitespace is
# made single spaces first; ASCII digits only, and few of them, so that nothing typed
# becomes a number Python would refuse to read.
RATING_PATTERN = re.compile(
    r"(?P<value>\d{1,4}(?:[.,]\d{1,4})?|\d{0,4}½)"
    r" ?(?:/|⁄|out of|of) ?"
    r"(?P<best>\d{1,4})(?: stars?)?",
    re.ASCII | re.IGNORECASE,
)


@dataclass(frozen=True)
class Rating:
    value: Decimal
    best: int

    @classmethod
    def from_average(cls, average):
        """A film's average rating (0-100, as the database computes it) to the nearest
        point, or None when it has none."""
        if average is None:
            return None
        points = Decimal(str(average)).quantize(WHOLE_STAR, rounding=ROUND_HALF_UP)
        return cls(value=points, best=AVERAGE_SCALE)

    @property
    def normalised(self):
        """The rating on a 0-100 scale, whatever the critic's scale."""
        return float(self.value) * 100 / self.best

    @property
    def as_stars(self):
        """Whether readers see the rating as stars, rather than as numbers ("72/100")."""
        return self.best in STAR_SCALES

    @property
    def step(self):
        """The finest step the value needs: half a point for a value with .5, else one."""
        return HALF_STAR if self.value % WHOLE_STAR else WHOLE_STAR

    @property
    def value_display(self):
        """``3`` for a whole number, ``4.5`` otherwise."""
        return f"{self.value.normalize():f}"

    def __str__(self):
        """The rating in words, for everyone: "3 out of 4 stars", "72 out of 100"."""
        if self.as_stars:
            return f"{self.value_display} out of {self.best} stars"
        return f"{self.value_display} out of {self.best}"

    @property
    def short(self):
        """The rating as a critic writes it: "3/4", "4.5/5", "72/100"."""
        return f"{self.value_display}/{self.best}"

    @property
    def stars(self):
        """Each star to draw, in order: ``"full"``, ``"half"`` or ``"empty"``; none for a
        rating written as numbers."""
        if not self.as_stars:
            return []
        full = int(self.value)
        half = self.value - full >= HALF_STAR
        return ["full"] * full + ["half"] * half + ["empty"] * (self.best - full - half)


def parse_rating(text):
    """The rating an editor typed as the critic gave it ("3/4", "4.5 / 5", "8 out of 10"),
    or None when nothing was typed.

    Raises ValueError with a message for the editor that says what to type instead.
    """
    text = " ".join(text.split())
    if not text:
        return None
    match = RATING_PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(RATING_HELP)
    value = Decimal(match["value"].replace(",", ".").replace("½", ".5"))
    best = int(match["best"])
    if not 1 <= best <= LARGEST_SCALE:
        raise ValueError(SCALE_HELP)
    typed = Rating(value, best)
    if value > best:
        raise ValueError(
            f"{typed.short} is more than the best possible rating, {best}/{best}. {RATING_HELP}"
        )
    if value % HALF_STAR:
        raise ValueError(
            f"A rating is a whole number or a half, such as 4/5 or 4.5/5; not {typed.short}."
        )
    return Rating(value.quantize(Decimal("0.1")), best)
