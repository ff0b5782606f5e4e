"""Moved to :mod:`tests.helpers.tiny_configs`: this alias stays until its last importers
(tests/test_deploy) import it from there."""
import sys

from tests.helpers import tiny_configs

sys.modules[__name__] = tiny_configs
