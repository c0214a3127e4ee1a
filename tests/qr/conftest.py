"""Shared fixtures for the qr package's tests."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from qr import fonts


@pytest.fixture(scope="session")
def font_file() -> Path:
    return fonts.font_path()


@pytest.fixture(scope="session")
def pdfium() -> ModuleType:
    """PDF sheets are checked the way a print shop sees them: rasterised. A missing
    rasteriser must fail loudly, or the decoding tests would silently not run."""
    try:
        import pypdfium2
    except ImportError:
        pytest.fail(
            "pypdfium2 is needed to rasterise PDF sheets: pip install pypdfium2==5.15.2 "
            "(it belongs in requirements-dev.txt)",
            pytrace=False,
        )
    return pypdfium2
