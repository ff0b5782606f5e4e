"""Mask transforms: cloth-mask binarisation, parsing -> region masks, DensePose one-hot."""
from typing import Dict, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from vtonbox.registry import TRANSFORMS

from ..labels import DEFAULT_PARSING_REGIONS, NUM_DENSEPOSE_CLASSES
from .deferred import ONE_HOT_OP, REGION_MASK_OP, defer_input
from .keys import as_keys

#: Upstream threshold: ``edge > 0.5`` on masks in [0, 1] (docs/user_guides/dataset_prepare.md, §1).
UPSTREAM_MASK_THRESHOLD = 0.5
_UINT8_MAX = 255.0
_UINT8_VALUES = np.arange(256)


@TRANSFORMS.register_module()
class BinarizeMask(BaseTransform):
    """Binarise grey masks: ``value / 255 > threshold`` (float masks: ``value > threshold``).

    Replaces ``results[key]`` with an (H, W) float32 mask in {0, 1}.

    Args:
        keys (str | list[str]): default ``['cloth_mask', 'cloth_mask_unpaired']``
            (absent keys are skipped).
        threshold (float): in [0, 1]. Default 0.5 (upstream).
    """

    def __init__(self, keys: Union[str, Sequence[str]] = ('cloth_mask', 'cloth_mask_unpaired'),
                 threshold: float = UPSTREAM_MASK_THRESHOLD) -> None:
        if not 0.0 <= threshold < 1.0:
            raise ValueError(f'threshold must be in [0, 1), got {threshold}')
        self.keys = as_keys(keys)
        self.threshold = threshold
        # uint8 masks: one table lookup instead of a float64 division per pixel.
        self._lut = (_UINT8_VALUES / _UINT8_MAX > threshold).astype(np.float32)

    def transform(self, results: dict) -> dict:
        for key in self.keys:
            if key not in results:
                continue
            mask = np.asarray(results[key])
            if mask.ndim == 3 and mask.shape[2] == 1:
                mask = mask[:, :, 0]
            if mask.ndim != 2:
                raise ValueError(f'{key} must be an (H, W) mask, got shape {mask.shape}')
            if mask.dtype == np.uint8:
                results[key] = self._lut[mask]
            else:
                results[key] = (mask > self.threshold).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={list(self.keys)}, threshold={self.threshold})'


@TRANSFORMS.register_module()
class ParsingToRegionMasks(BaseTransform):
    """Group parsing ids into named region masks (docs/user_guides/dataset_prepare.md,
    "Parsing ids").

    Defaults: ``upper_cloth_mask`` {4, 7} (7 is merged into upper clothes, as the
    training scripts do), ``face_mask`` {1, 12}, ``other_clothes_mask``
    {5, 6, 8, 9, 10}, ``arm_mask`` {11, 13} (``vtonbox.datasets.labels``). Adds (H, W)
    float32 {0, 1} masks; with ``defer=True`` they are made by ``TryOnDataPreprocessor``
    on the device from the transferred parsing map instead (same values).

    Args:
        regions (dict): output key -> parsing ids.
        key (str): the parsing map. Default ``'parsing'``.
        defer (bool): build the masks in the data preprocessor. Default False.
    """

    def __init__(self, regions: Dict[str, Sequence[int]] = DEFAULT_PARSING_REGIONS,
                 key: str = 'parsing', defer: bool = False) -> None:
        if not regions:
            raise ValueError('regions must name at least one mask')
        self.regions = {name: tuple(int(i) for i in ids) for name, ids in regions.items()}
        self.key = key
        self.defer = defer

    def transform(self, results: dict) -> dict:
        parsing = results[self.key]
        for name, ids in self.regions.items():
            if self.defer:
                defer_input(results, name, REGION_MASK_OP, self.key, ids=ids)
            else:
                results[name] = np.isin(parsing, ids).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(regions={self.regions}, key={self.key!r}, '
                f'defer={self.defer})')


@TRANSFORMS.register_module()
class DensePoseToOneHot(BaseTransform):
    """One-hot encode DensePose part ids: (H, W) ids -> (num_classes, H, W) float32.

    Channel-first, like the pose map (packed without a transpose). With ``defer=True``
    only the ids are checked here; ``TryOnDataPreprocessor`` makes the same one-hot on
    the device from the transferred id map.

    Args:
        key (str): the id map. Default ``'densepose'``.
        out_key (str): output key. Default ``'densepose_onehot'``.
        num_classes (int): 25 (background + 24 parts).
        defer (bool): build the one-hot in the data preprocessor. Default False.
    """

    def __init__(self, key: str = 'densepose', out_key: str = 'densepose_onehot',
                 num_classes: int = NUM_DENSEPOSE_CLASSES, defer: bool = False) -> None:
        self.key = key
        self.out_key = out_key
        self.num_classes = num_classes
        self.defer = defer

    def transform(self, results: dict) -> dict:
        ids = np.asarray(results[self.key])
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_classes):
            raise ValueError(f'{results.get(f"{self.key}_path", self.key)}: DensePose ids in '
                             f'[{ids.min()}, {ids.max()}] outside [0, {self.num_classes - 1}]')
        if self.defer:
            return defer_input(results, self.out_key, ONE_HOT_OP, self.key,
                               num_classes=int(self.num_classes))
        classes = np.arange(self.num_classes, dtype=ids.dtype)[:, None, None]
        results[self.out_key] = (classes == ids[None]).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(key={self.key!r}, out_key={self.out_key!r}, '
                f'num_classes={self.num_classes}, defer={self.defer})')
