"""Moved to :mod:`tests.helpers.tiny_model`. This alias stays until its last importers
import it from there:
tests/test_apis/test_model_loading.py, tests/test_deploy, tests/test_gpu."""
import sys

from tests.helpers import tiny_model

sys.modules[__name__] = tiny_model
