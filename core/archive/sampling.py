"""Choosing the archive's values: long-tailed random choices, shares, unique slugs."""

import itertools

from django.utils.text import slugify


def zipf_cum_weights(n, exponent):
    """Cumulative weights for ``random.choices`` over ranks 0..n-1: rank r has weight
    (r + 1) ** -exponent, so a few are chosen often and most rarely."""
    return list(itertools.accumulate((rank + 1) ** -exponent for rank in range(n)))


def pick(rng, shares):
    """One value of ``[(value, share, ...), ...]``, chosen with those shares."""
    roll, total = rng.random(), 0.0
    for value, share, *_ in shares:
        total += share
        if roll < total:
            return value
    return shares[-1][0]


class Slugs:
    """Unique slugs: the first "the-quiet-harbour" as is, later ones "-2", "-3"."""

    def __init__(self, taken, max_length):
        self.taken, self.max_length = set(taken), max_length

    def __call__(self, value):
        base = slugify(value)[: self.max_length - 8].strip("-") or "item"
        slug, n = base, 2
        while slug in self.taken:
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(slug)
        return slug
