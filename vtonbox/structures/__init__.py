"""Data structures shared by datasets, models and metrics."""
from .tryon_data_sample import IMAGE_FIELDS, MASK_FIELDS, TryOnDataSample

__all__ = ['TryOnDataSample', 'IMAGE_FIELDS', 'MASK_FIELDS']
