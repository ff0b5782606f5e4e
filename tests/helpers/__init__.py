"""Helpers shared by test folders (tiny models and configs, stage configs, images).

A test imports shared code from here (or uses a fixture of ``tests/conftest.py``), never
from another test folder, so that ``tests/`` can mirror ``vtonbox/``."""
