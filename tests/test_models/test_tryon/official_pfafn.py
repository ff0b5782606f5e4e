"""Moved to :mod:`tests.helpers.official_pfafn`. This alias stays until its last importers
import it from there:
tests/test_tools/test_count_params.py, tests/test_tools/test_pfafn_converter.py."""
import sys

from tests.helpers import official_pfafn

sys.modules[__name__] = official_pfafn
