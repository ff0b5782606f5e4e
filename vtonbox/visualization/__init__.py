"""Visualisation of try-on results (grids through MMEngine vis backends)."""
from .tryon_visualizer import TryOnVisualizer, tryon_grid_row

__all__ = ['TryOnVisualizer', 'tryon_grid_row']
