"""Loading transforms: read each modality's file named by ``results['<key>_path']``.

Every loader exposes ``path_keys`` (the result keys of the files it reads) so that a
dataset can check, once at start-up, that those files exist for every sample.
Images stay ``uint8`` all the way to the model; the data preprocessor normalises them.
"""
from abc import abstractmethod
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from vtonbox.registry import TRANSFORMS

from ..labels import NUM_DENSEPOSE_CLASSES, NUM_KEYPOINTS, NUM_PARSING_CLASSES
from ..readers import read_densepose, read_gray, read_image, read_label_map, read_pose_keypoints


def _as_keys(keys: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    keys = (keys, ) if isinstance(keys, str) else tuple(keys)
    if not keys or not all(isinstance(k, str) for k in keys):
        raise TypeError(f'keys must be a non-empty str or sequence of str, got {keys!r}')
    return keys


def _path_of(results: dict, key: str) -> str:
    path_key = f'{key}_path'
    if path_key not in results:
        raise KeyError(f'the pipeline loads {key!r} but the sample has no {path_key!r}; '
                       f'does the dataset data_prefix name a folder for {key!r}?')
    return results[path_key]


class _LoadFiles(BaseTransform):
    """Shared part of the loaders: read ``results[f'{key}_path']`` into ``results[key]``."""

    def __init__(self, keys: Union[str, Sequence[str]]) -> None:
        self.keys = _as_keys(keys)

    @property
    def path_keys(self) -> Tuple[str, ...]:
        return tuple(f'{key}_path' for key in self.keys)

    @abstractmethod
    def read(self, path: str) -> np.ndarray:
        """Read one file of this modality."""

    def transform(self, results: dict) -> dict:
        for key in self.keys:
            results[key] = self.read(_path_of(results, key))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={list(self.keys)})'


@TRANSFORMS.register_module()
class LoadTryOnImage(_LoadFiles):
    """Load RGB images (person, cloth, unpaired cloth) with OpenCV.

    Grey, RGBA (composited over white) and 16-bit files are converted.
    Adds ``results[key]``: (H, W, 3) uint8 RGB.

    Args:
        keys (str | list[str]): modalities to load, e.g. ``['person', 'cloth']``.
    """

    def __init__(self, keys: Union[str, Sequence[str]] = ('person', 'cloth')) -> None:
        super().__init__(keys)

    def read(self, path: str) -> np.ndarray:
        return read_image(path)


@TRANSFORMS.register_module()
class LoadClothMask(_LoadFiles):
    """Load grey cloth masks ("edge" images); binarise later with ``BinarizeMask``.

    Adds ``results[key]``: (H, W) uint8 in [0, 255].
    """

    def __init__(self, keys: Union[str, Sequence[str]] = ('cloth_mask', )) -> None:
        super().__init__(keys)

    def read(self, path: str) -> np.ndarray:
        return read_gray(path)


@TRANSFORMS.register_module()
class LoadParsing(_LoadFiles):
    """Load a human parsing PNG as raw ids (grey or palette PNG).

    Adds ``results[key]``: (H, W) uint8 ids in [0, num_classes - 1].

    Args:
        keys (str | list[str]): default ``'parsing'``.
        num_classes (int): ids must be below this (14 for VITON).
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'parsing',
                 num_classes: int = NUM_PARSING_CLASSES) -> None:
        super().__init__(keys)
        self.num_classes = num_classes

    def read(self, path: str) -> np.ndarray:
        return read_label_map(path, self.num_classes)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={list(self.keys)}, num_classes={self.num_classes})'


@TRANSFORMS.register_module()
class LoadPoseKeypoints(BaseTransform):
    """Load OpenPose-18 JSON keypoints (``pose_keypoints`` or ``pose_keypoints_2d``).

    Reads ``results['pose_path']``; adds ``results[out_key]``: (18, 3) float32 rows of
    (x, y, confidence) in person pixels; no person in the file -> all zeros.

    Args:
        key (str): modality name whose ``<key>_path`` is read. Default ``'pose'``.
        out_key (str): where to store the keypoints. Default ``'pose_keypoints'``.
        num_keypoints (int): keypoints per person. Default 18.
    """

    def __init__(self, key: str = 'pose', out_key: str = 'pose_keypoints',
                 num_keypoints: int = NUM_KEYPOINTS) -> None:
        self.key = key
        self.out_key = out_key
        self.num_keypoints = num_keypoints

    @property
    def path_keys(self) -> Tuple[str, ...]:
        return (f'{self.key}_path', )

    def transform(self, results: dict) -> dict:
        results[self.out_key] = read_pose_keypoints(_path_of(results, self.key),
                                                    self.num_keypoints)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(key={self.key!r}, out_key={self.out_key!r}, '
                f'num_keypoints={self.num_keypoints})')


@TRANSFORMS.register_module()
class LoadDensePose(_LoadFiles):
    """Load DensePose part-index maps from ``.npy``.

    Adds ``results[key]``: (H, W) uint8 ids in [0, num_classes - 1] (0 = background).

    Args:
        keys (str | list[str]): default ``'densepose'``.
        num_classes (int): 25 for the standard DensePose parts (incl. background).
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'densepose',
                 num_classes: int = NUM_DENSEPOSE_CLASSES) -> None:
        super().__init__(keys)
        self.num_classes = num_classes

    def read(self, path: str) -> np.ndarray:
        return read_densepose(path, self.num_classes)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={list(self.keys)}, num_classes={self.num_classes})'
