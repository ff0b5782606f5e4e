"""Optimizer wrappers and their constructor."""
from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper
from .tryon_optim_wrapper_constructor import TryOnOptimWrapperConstructor

__all__ = ['CPUAutocastOptimWrapper', 'TryOnOptimWrapperConstructor']
