"""The version is written once, in ``django_diller.__version__``; the installed metadata
(pyproject.toml's dynamic version) reads it from there."""

import importlib.metadata

import django_diller


def test_the_installed_metadata_gives_the_packages_version():
    assert importlib.metadata.version("django-diller") == django_diller.__version__
