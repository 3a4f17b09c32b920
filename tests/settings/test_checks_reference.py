"""The checks reference (docs/checks.md) has a row for every system check id, as it is.

Each id that ``django_diller/checks.py`` raises (``id="diller.X000"``) must start a table row of
docs/checks.md, ``| `diller.X000` | …``, exactly once; and the page, rows and prose alike, may
name no id that the checks no longer raise.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "django_diller" / "checks.py"
REFERENCE = ROOT / "docs" / "checks.md"

CHECK_ID = re.compile(r"diller\.[EW]\d{3}")
ROW = re.compile(r"^\| `(diller\.[EW]\d{3})` \|", re.MULTILINE)


def source_ids(source: str) -> set[str]:
    """Every string literal of ``source`` that is a whole check id.

    Most ids are ``id="diller.E001"`` keywords; some come from a tuple and reach ``id=`` through
    a variable, ``(("STORE_ID", "diller.W001"), ...)``, so every such literal counts.
    """
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CHECK_ID.fullmatch(node.value)
    }


def referenced_ids(text: str) -> Counter[str]:
    """Each id that starts a table row of the reference, with how many rows it starts."""
    return Counter(ROW.findall(text))


@pytest.fixture(scope="module")
def check_ids() -> set[str]:
    return source_ids(CHECKS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reference(reference_text) -> Counter[str]:
    return referenced_ids(reference_text)


def test_the_checks_are_found(check_ids):
    assert "diller.E001" in check_ids and "diller.W001" in check_ids


def test_every_check_id_is_in_the_reference(check_ids, reference):
    assert sorted(check_ids - set(reference)) == []


def test_the_reference_names_no_check_id_that_does_not_exist(check_ids, reference_text):
    assert sorted(set(CHECK_ID.findall(reference_text)) - check_ids) == []


def test_the_reference_has_one_row_per_check_id(reference):
    assert {check_id: rows for check_id, rows in reference.items() if rows > 1} == {}


def test_the_readers_take_ids_apart():
    source = (
        '"""Ids ``diller.E…``."""\n'
        'Error("x", id="diller.E001")\n'
        'for key, check_id in (("A", "diller.W001"),): Warning(key, id=check_id)\n'
    )
    assert source_ids(source) == {"diller.E001", "diller.W001"}
    text = "| `diller.E001` | a | b |\n| `diller.E001` | c | d |\nSee `diller.E002`.\n"
    assert referenced_ids(text) == Counter({"diller.E001": 2})
