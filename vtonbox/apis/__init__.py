"""Inference API: :class:`TryOnInferencer` (Python), used by ``tools/demo.py`` and
``tools/webui.py``."""
from .errors import CheckpointMismatchError, InferenceSetupError, TryOnInputError, TryOnInputWarning
from .inputs import MAX_SIDE, MIN_SIDE
from .model_loading import DEFAULT_CONFIG, load_weights, parse_device
from .pair_list import resolve_pair_list
from .results import ResultWriter, restore_size, tryon_strip
from .tryon_inferencer import TryOnInferencer

__all__ = [
    'TryOnInferencer', 'TryOnInputError', 'TryOnInputWarning', 'InferenceSetupError',
    'CheckpointMismatchError', 'DEFAULT_CONFIG', 'MIN_SIDE', 'MAX_SIDE', 'load_weights',
    'parse_device', 'resolve_pair_list', 'ResultWriter', 'restore_size', 'tryon_strip'
]
