"""The DensePose *rendering* variant of the teacher input (VITON-HD ``image-densepose``).

VITON-HD ships DensePose as an RGB image (a colour-coded picture of the body parts), not
as the part-index maps that the parser-based teacher one-hot encodes. With
``densepose_format='rgb'``:

* ``DensePoseRenderingToInput`` puts the rendering, scaled to [0, 1], where the one-hot
  goes: ``densepose_onehot`` is then (3, H, W) instead of (25, H, W), so the teacher's
  condition has 2 + 3 + 18 = 23 channels (``labels.DENSEPOSE_INPUT_CHANNELS``);
* ``DensePosePartsFromParsing`` makes the ``densepose`` ids that the teacher's generator
  reads (its arm region, ids 15..22, and hands, ids 3 / 4) from the parsing: the skin
  the try-on repaints becomes the upper-arm ids, nothing is marked as hand (the
  rendering's colours are not decoded into parts).

See docs/user_guides/dataset_prepare.md, "DensePose: part maps or rendering".
"""
from typing import Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from vtonbox.registry import TRANSFORMS

from ..labels import DENSEPOSE_RGB_CHANNELS, PARSING_TO_DENSEPOSE_PARTS

_UINT8_MAX = 255.0
_LUT_SIZE = 256


@TRANSFORMS.register_module()
class DensePoseRenderingToInput(BaseTransform):
    """(H, W, 3) uint8 rendering -> (3, H, W) float32 in [0, 1] (channel-first, like the
    one-hot it replaces).

    Args:
        key (str): the rendering (``LoadDensePoseRendering``). Default ``'densepose_rgb'``.
        out_key (str): the model input. Default ``'densepose_onehot'``.
    """

    def __init__(self, key: str = 'densepose_rgb', out_key: str = 'densepose_onehot') -> None:
        self.key = key
        self.out_key = out_key

    def transform(self, results: dict) -> dict:
        image = np.asarray(results[self.key])
        if image.ndim != 3 or image.shape[2] != DENSEPOSE_RGB_CHANNELS or image.dtype != np.uint8:
            raise ValueError(f'{self.key} must be an (H, W, 3) uint8 rendering, got '
                             f'{image.dtype} {image.shape}')
        results[self.out_key] = np.ascontiguousarray(
            image.transpose(2, 0, 1), dtype=np.float32) / np.float32(_UINT8_MAX)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(key={self.key!r}, out_key={self.out_key!r})'


@TRANSFORMS.register_module()
class DensePosePartsFromParsing(BaseTransform):
    """Coarse DensePose part ids from a VITON-id parsing map, for data without part maps.

    Adds ``results[out_key]``: (H, W) uint8, ``pairs`` (parsing id -> DensePose id)
    applied, 0 elsewhere. Run it after the flip and the label conversion.

    Args:
        key (str): VITON-id parsing map. Default ``'parsing'``.
        out_key (str): default ``'densepose'``.
        pairs (list[tuple[int, int]]): default ``labels.PARSING_TO_DENSEPOSE_PARTS``
            (left arm 11 -> 15, right arm 13 -> 16).
    """

    def __init__(self, key: str = 'parsing', out_key: str = 'densepose',
                 pairs: Sequence[Tuple[int, int]] = PARSING_TO_DENSEPOSE_PARTS) -> None:
        self.key = key
        self.out_key = out_key
        self.pairs = tuple((int(a), int(b)) for a, b in pairs)
        self._lut = np.zeros(_LUT_SIZE, dtype=np.uint8)
        for source, part in self.pairs:
            self._lut[source] = part

    def transform(self, results: dict) -> dict:
        results[self.out_key] = self._lut[np.asarray(results[self.key], dtype=np.uint8)]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(key={self.key!r}, out_key={self.out_key!r}, '
                f'pairs={self.pairs})')
