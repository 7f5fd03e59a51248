"""The screenshots in docs/screenshots/, used by the README: ``make screenshots``.

Not collected with the tests (its name does not start with ``test_``); run by name.
"""

import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from .conftest import FILM, REVIEW

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
PAGES = {"home": "/", "review": REVIEW, "film": FILM}
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.mark.parametrize("width_name", WIDTHS)
def test_screenshots(new_page, width_name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(width=WIDTHS[width_name], height=900, device_scale_factor=1)
    for page_name, path in PAGES.items():
        page.goto(path)
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
        target = SCREENSHOTS / f"{page_name}-{width_name}.png"
        # A palette of 256 colours keeps text sharp at a fraction of the size.
        shot.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(target, optimize=True)
