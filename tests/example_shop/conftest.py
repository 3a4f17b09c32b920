"""Fixtures for the example shop's tests."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def demo_shop(db):
    """The demo shop, loaded by its own management command; returns the command's output."""
    out = StringIO()
    call_command("load_demo_shop", stdout=out)
    return out.getvalue()
