"""Hooks: result visualisation, saving test outputs, training-schedule switches."""
from .loss_weight_switch_hook import LossWeightSwitchHook
from .progress_hook import EvalProgressHook
from .rng_state_hook import RNGStateHook
from .save_results_hook import SaveTryOnResultsHook
from .trainable_schedule_hook import TrainableScheduleHook
from .visualization_hook import TryOnVisualizationHook

__all__ = ['TryOnVisualizationHook', 'SaveTryOnResultsHook', 'TrainableScheduleHook',
           'LossWeightSwitchHook', 'EvalProgressHook',
           'RNGStateHook']
