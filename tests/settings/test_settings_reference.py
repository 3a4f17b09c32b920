"""The settings reference (docs/settings.md) and conf.py's docstring name every key, as it is.

docs/settings.md gives each key a heading of its own, ``### `KEY` ``, followed by a line
``Default: `<Python literal>` ``. conf.py's docstring names each key as ``KEY`` followed by its
default in brackets, ``[<Python literal>]`` or ``[<Python literal>: a note]``; only the
connection keys, which fall back to environment variables, state no default there.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from django_diller import conf

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "settings.md"

HEADING = re.compile(r"^### `([A-Z][A-Z0-9_]*)`$", re.MULTILINE)
DEFAULT_LINE = re.compile(r"\s*Default: `([^`\n]*)`\n")
# ``KEY`` [default], where a list default brings its own brackets: ``KEY`` [["Cancelled"]].
DOCSTRING_KEY = re.compile(r"``([A-Z][A-Z0-9_]*)``(?: \[(\[[^\]]*\]|[^\]]*)\])?")


def typed(value: Any) -> tuple[type, Any]:
    """A value with its type, so that ``3`` does not pass for ``3.0`` nor ``0`` for ``False``."""
    return type(value), value


def reference_defaults(text: str) -> dict[str, list[str]]:
    """Each key with a heading in the reference, and the default under each of its headings."""
    found: dict[str, list[str]] = {}
    for heading in HEADING.finditer(text):
        line = DEFAULT_LINE.match(text, heading.end())
        found.setdefault(heading.group(1), []).append(line.group(1) if line else "")
    return found


def docstring_defaults(text: str) -> dict[str, list[str]]:
    """Each key the docstring names, and every default stated next to it (none for a mention)."""
    found: dict[str, list[str]] = {}
    for match in DOCSTRING_KEY.finditer(text):
        stated = found.setdefault(match.group(1), [])
        if match.group(2) is not None:
            stated.append(match.group(2).partition(": ")[0])
    return found


class NotALiteral:
    """What a stated default that Python cannot read becomes: equal to no setting's value."""


def literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return NotALiteral()


@pytest.fixture(scope="module")
def reference() -> dict[str, list[str]]:
    return reference_defaults(REFERENCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def docstring() -> dict[str, list[str]]:
    return docstring_defaults(conf.__doc__ or "")


def test_every_setting_is_in_the_reference(reference):
    assert sorted(set(conf.DEFAULTS) - set(reference)) == []


def test_the_reference_names_no_setting_that_does_not_exist(reference):
    assert sorted(set(reference) - set(conf.DEFAULTS)) == []


def test_the_reference_describes_each_setting_once(reference):
    assert {key: len(lines) for key, lines in reference.items() if len(lines) > 1} == {}


def test_the_reference_states_each_default_as_it_is(reference):
    wrong = {
        key: stated
        for key, (stated, *_) in reference.items()
        if key in conf.DEFAULTS and typed(literal(stated)) != typed(conf.DEFAULTS[key])
    }
    assert wrong == {}


def test_every_setting_is_in_the_conf_docstring(docstring):
    assert sorted(set(conf.DEFAULTS) - set(docstring)) == []


def test_the_conf_docstring_states_each_default_as_it_is(docstring):
    from_environment = set(conf.ENVIRONMENT_FALLBACKS)
    unstated = sorted(
        set(conf.DEFAULTS) - from_environment - {k for k, v in docstring.items() if v}
    )
    wrong = {
        key: stated
        for key, values in docstring.items()
        if key in conf.DEFAULTS
        for stated in values
        if typed(literal(stated)) != typed(conf.DEFAULTS[key])
    }
    assert (unstated, wrong) == ([], {})


def test_the_readers_take_keys_defaults_and_notes_apart():
    text = "### `SANDBOX`\n\nDefault: `True`\n\n### `NO_SUCH_KEY`\n\nDefault: `1`\n"
    assert reference_defaults(text) == {"SANDBOX": ["True"], "NO_SUCH_KEY": ["1"]}
    doc = '``TIME_ZONE`` [None: Django\'s ``TIME_ZONE``]\n``CANCEL_ON_ORDER_STATUSES`` [["X"]]'
    assert docstring_defaults(doc) == {"TIME_ZONE": ["None"], "CANCEL_ON_ORDER_STATUSES": ['["X"]']}
