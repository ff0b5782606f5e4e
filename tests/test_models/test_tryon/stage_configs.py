"""Moved to :mod:`tests.helpers.stage_configs`. This alias stays until its last importers
import it from there:
tests/test_gpu/gpu_helpers.py, tests/test_models/test_tryon/test_distributed.py."""
import sys

from tests.helpers import stage_configs

sys.modules[__name__] = stage_configs
