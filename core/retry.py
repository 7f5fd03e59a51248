"""How long to wait before trying again what failed (an edge purge, a cache write, an
email): a pause doubling from ``first`` seconds, at most ``longest``."""


def doubling_pause(failed_tries, first, longest):
    """Seconds to wait after this many failed tries."""
    return min(first * 2 ** (failed_tries - 1), longest)
