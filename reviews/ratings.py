"""A star rating on the critic's own scale, as readers see it."""

from dataclasses import dataclass
from decimal import Decimal

WHOLE_STAR = Decimal("1")
HALF_STAR = Decimal("0.5")


@dataclass(frozen=True)
class Rating:
    value: Decimal
    best: int

    @property
    def normalised(self):
        """The rating on a 0-100 scale, whatever the critic's scale."""
        return float(self.value) * 100 / self.best

    @property
    def value_display(self):
        """``3`` for a whole number, ``4.5`` otherwise."""
        return f"{self.value.normalize():f}"

    def __str__(self):
        stars = "star" if self.best == 1 else "stars"
        return f"{self.value_display} out of {self.best} {stars}"

    @property
    def short(self):
        return f"{self.value_display}/{self.best}"

    @property
    def stars(self):
        """Each star to draw, in order: ``"full"``, ``"half"`` or ``"empty"``."""
        full = int(self.value)
        half = self.value - full >= HALF_STAR
        return ["full"] * full + ["half"] * half + ["empty"] * (self.best - full - half)
