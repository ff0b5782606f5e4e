"""Datasets, data transforms, the synthetic VITON generator and the dataset checker."""
from .base_tryon_dataset import BaseTryOnDataset
from .checker import CheckReport, Problem, check_dataset
from .dresscode_dataset import DressCodeDataset
from .readers import (
                      DataFileError,
                      MissingDataFileError,
                      read_densepose,
                      read_gray,
                      read_image,
                      read_label_map,
                      read_pose_keypoints,
)
from .synthetic import make_synthetic_viton
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transforms_all
from .viton_dataset import VITONDataset
from .viton_hd_dataset import VITONHDDataset
from .viton_layout import build_samples, default_data_prefix, read_pair_list
from .viton_test_dataset import VITONTestDataset

__all__ = [
    'BaseTryOnDataset', 'VITONDataset', 'VITONTestDataset', 'VITONHDDataset',
    'DressCodeDataset', 'build_samples',
    'default_data_prefix', 'read_pair_list', 'DataFileError', 'MissingDataFileError',
    'read_image', 'read_gray', 'read_label_map', 'read_pose_keypoints', 'read_densepose',
    'check_dataset', 'CheckReport', 'Problem', 'make_synthetic_viton', *_transforms_all
]
