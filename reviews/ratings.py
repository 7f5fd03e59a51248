"""A rating on the critic's own scale, as readers see it."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WHOLE_STAR = Decimal("1")
HALF_STAR = Decimal("0.5")

# The scales drawn as stars. More stars no longer read at a glance (8 of 10 is hard to
# count) and soon overflow a phone; a rating on any other scale is written as numbers.
STAR_SCALES = frozenset({4, 5})

AVERAGE_SCALE = 100


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
