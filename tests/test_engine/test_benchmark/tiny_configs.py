"""Moved to :mod:`tests.helpers.tiny_configs`. This alias stays until its last importers
import it from there:
tests/test_deploy."""
import sys

from tests.helpers import tiny_configs

sys.modules[__name__] = tiny_configs
