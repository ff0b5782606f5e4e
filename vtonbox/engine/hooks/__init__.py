"""Hooks: result visualisation, saving test outputs, training-schedule switches."""
from .save_results_hook import SaveTryOnResultsHook
from .visualization_hook import TryOnVisualizationHook

__all__ = ['TryOnVisualizationHook', 'SaveTryOnResultsHook']
