"""Moved to :mod:`tests.helpers.stage_configs`: this alias stays until its last importers
(tests/test_gpu/gpu_helpers.py, tests/test_models/test_tryon/test_distributed.py) import it from there."""
import sys

from tests.helpers import stage_configs

sys.modules[__name__] = stage_configs
