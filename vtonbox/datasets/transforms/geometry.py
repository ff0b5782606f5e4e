"""Resize-and-pad ("letterbox") of every modality to the model size, aspect kept.

Inputs may have any size on disk. Each array is scaled by ``min(H / h, W / w)`` and
padded symmetrically (extra pixel at the bottom/right): images with white (255, the
product-photo background), masks and label maps with 0. Images use area interpolation
when shrinking and bilinear when enlarging; masks, label maps and DensePose ids use
nearest (``cv2.INTER_NEAREST_EXACT``: pixel-centre aligned, like PIL's NEAREST).
The person geometry is recorded so that results can be mapped back.
"""
from typing import NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from vtonbox.registry import TRANSFORMS

from ..readers import DataFileError
from .pose import visible_keypoints

DEFAULT_IMAGE_KEYS = ('person', 'cloth', 'cloth_unpaired')
DEFAULT_MASK_KEYS = ('cloth_mask', 'cloth_mask_unpaired')
#: ``densepose_rgb`` (a colour rendering of DensePose) is resized like the id maps: nearest
#: keeps its part colours, and its black background is padded with 0.
DEFAULT_LABEL_KEYS = ('parsing', 'densepose', 'densepose_rgb')
DEFAULT_KEYPOINT_KEYS = ('pose_keypoints', )
#: Arrays that must have the same size on disk (first key is the reference of its group).
DEFAULT_ALIGNED_GROUPS = (('person', 'parsing', 'densepose', 'densepose_rgb'),
                          ('cloth', 'cloth_mask'),
                          ('cloth_unpaired', 'cloth_mask_unpaired'))
WHITE = 255
MODEL_SIZE_DIVISOR = 32


class ResizePadGeometry(NamedTuple):
    """How an (h, w) array maps onto the model size.

    ``scale`` is the common scale factor, ``resized`` the (h, w) after scaling and
    ``pad`` the (top, bottom, left, right) pixels added after scaling.
    """
    scale: float
    resized: Tuple[int, int]
    pad: Tuple[int, int, int, int]


def compute_resize_pad(src_hw: Sequence[int], dst_hw: Sequence[int]) -> ResizePadGeometry:
    """Geometry that fits ``src_hw`` into ``dst_hw`` with the aspect ratio kept."""
    src_h, src_w = int(src_hw[0]), int(src_hw[1])
    dst_h, dst_w = int(dst_hw[0]), int(dst_hw[1])
    if min(src_h, src_w, dst_h, dst_w) <= 0:
        raise ValueError(f'sizes must be positive, got {src_hw} -> {dst_hw}')
    scale = min(dst_h / src_h, dst_w / src_w)
    new_h = min(dst_h, max(1, int(round(src_h * scale))))
    new_w = min(dst_w, max(1, int(round(src_w * scale))))
    top, left = (dst_h - new_h) // 2, (dst_w - new_w) // 2
    return ResizePadGeometry(scale, (new_h, new_w),
                             (top, dst_h - new_h - top, left, dst_w - new_w - left))


def resize_pad_array(array: np.ndarray, geometry: ResizePadGeometry, interpolation: int,
                     pad_value: float) -> np.ndarray:
    """Resize an (h, w[, C]) array and pad it to the model size."""
    new_h, new_w = geometry.resized
    if array.shape[:2] != (new_h, new_w):
        array = cv2.resize(array, (new_w, new_h), interpolation=interpolation)
    top, bottom, left, right = geometry.pad
    if not any(geometry.pad):
        return np.ascontiguousarray(array)
    widths = ((top, bottom), (left, right)) + ((0, 0), ) * (array.ndim - 2)
    return np.pad(array, widths, mode='constant', constant_values=pad_value)


def resize_pad_keypoints(keypoints: np.ndarray, src_hw: Sequence[int],
                         geometry: ResizePadGeometry) -> np.ndarray:
    """Map (K, 3) pixel keypoints of an ``src_hw`` image; absent ones stay (0, 0, 0)."""
    out = np.zeros_like(keypoints, dtype=np.float32)
    visible = visible_keypoints(keypoints)
    factor_y = geometry.resized[0] / src_hw[0]
    factor_x = geometry.resized[1] / src_hw[1]
    top, _, left, _ = geometry.pad
    out[visible, 0] = keypoints[visible, 0] * factor_x + left
    out[visible, 1] = keypoints[visible, 1] * factor_y + top
    out[visible, 2] = keypoints[visible, 2]
    return out


def undo_resize_pad(array: np.ndarray, pad: Sequence[int], ori_shape: Sequence[int],
                    interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Map a model-size (H, W[, C]) array back to the original size (crop pad, resize)."""
    top, bottom, left, right = (int(v) for v in pad)
    height, width = array.shape[:2]
    cropped = array[top:height - bottom, left:width - right]
    return cv2.resize(np.ascontiguousarray(cropped), (int(ori_shape[1]), int(ori_shape[0])),
                      interpolation=interpolation)


@TRANSFORMS.register_module()
class ResizePad(BaseTransform):
    """Resize every modality to ``size`` with its aspect ratio kept, then pad.

    Keys absent from ``results`` are skipped. Records the person (``ref_key``)
    geometry: ``ori_shape`` (h, w on disk), ``img_shape`` (model (H, W)),
    ``scale_factor`` (float) and ``pad`` (top, bottom, left, right). Raises
    ``DataFileError`` naming the file when arrays of one aligned group (e.g. a cloth
    and its mask) differ in size.

    Args:
        size (tuple[int, int]): model (H, W), multiples of ``size_divisor``.
        image_keys (list[str]): RGB images; area/bilinear, padded with ``image_pad_value``.
        mask_keys (list[str]): masks; nearest, padded with ``mask_pad_value``.
        label_keys (list[str]): id maps (parsing, DensePose) and the DensePose rendering;
            nearest, padded with 0.
        keypoint_keys (list[str]): (K, 3) keypoints in ``ref_key`` pixels.
        ref_key (str): the person image whose geometry is recorded.
        aligned_groups (list[list[str]]): keys that must share their size on disk.
        image_pad_value (int): default 255 (white).
        mask_pad_value (int): default 0.
        size_divisor (int, optional): ``size`` must be a multiple of it (32: five
            stride-2 levels); None disables the check.
    """

    def __init__(self,
                 size: Sequence[int],
                 image_keys: Sequence[str] = DEFAULT_IMAGE_KEYS,
                 mask_keys: Sequence[str] = DEFAULT_MASK_KEYS,
                 label_keys: Sequence[str] = DEFAULT_LABEL_KEYS,
                 keypoint_keys: Sequence[str] = DEFAULT_KEYPOINT_KEYS,
                 ref_key: str = 'person',
                 aligned_groups: Sequence[Sequence[str]] = DEFAULT_ALIGNED_GROUPS,
                 image_pad_value: int = WHITE,
                 mask_pad_value: int = 0,
                 size_divisor: Optional[int] = MODEL_SIZE_DIVISOR) -> None:
        if len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size):
            raise ValueError(f'size must be (H, W) positive ints, got {size!r}')
        if size_divisor and (size[0] % size_divisor or size[1] % size_divisor):
            raise ValueError(f'size {tuple(size)} must be a multiple of {size_divisor} '
                             '(the networks downsample five times by 2)')
        self.size = (int(size[0]), int(size[1]))
        self.image_keys = tuple(image_keys)
        self.mask_keys = tuple(mask_keys)
        self.label_keys = tuple(label_keys)
        self.keypoint_keys = tuple(keypoint_keys)
        self.ref_key = ref_key
        self.aligned_groups = tuple(tuple(g) for g in aligned_groups)
        self.image_pad_value = image_pad_value
        self.mask_pad_value = mask_pad_value
        self.size_divisor = size_divisor

    @staticmethod
    def check_aligned(results: dict, group: Sequence[str]) -> None:
        """Raise ``DataFileError`` on the first key of ``group`` whose size differs."""
        present = [key for key in group if key in results]
        if len(present) < 2:
            return
        first = present[0]
        first_hw = results[first].shape[:2]
        for key in present[1:]:
            if results[key].shape[:2] != first_hw:
                raise DataFileError(
                    results.get(f'{key}_path', key),
                    f'size {tuple(results[key].shape[:2])} differs from {first} '
                    f'{results.get(f"{first}_path", "")} {tuple(first_hw)}')

    def _resize(self, array: np.ndarray, interpolation: str, pad_value: float) -> np.ndarray:
        geometry = compute_resize_pad(array.shape[:2], self.size)
        if interpolation == 'image':
            flag = cv2.INTER_AREA if geometry.scale < 1 else cv2.INTER_LINEAR
        else:
            flag = cv2.INTER_NEAREST_EXACT
        return resize_pad_array(array, geometry, flag, pad_value)

    def transform(self, results: dict) -> dict:
        for group in self.aligned_groups:
            self.check_aligned(results, group)
        ref_hw = results[self.ref_key].shape[:2] if self.ref_key in results else None
        for key in self.keypoint_keys:
            if key in results:
                if ref_hw is None:
                    raise KeyError(f'keypoints {key!r} need {self.ref_key!r} in results')
                geometry = compute_resize_pad(ref_hw, self.size)
                results[key] = resize_pad_keypoints(results[key], ref_hw, geometry)
        for keys, kind, pad_value in ((self.image_keys, 'image', self.image_pad_value),
                                      (self.mask_keys, 'nearest', self.mask_pad_value),
                                      (self.label_keys, 'nearest', 0)):
            for key in keys:
                if key in results:
                    results[key] = self._resize(results[key], kind, pad_value)
        if ref_hw is not None:
            geometry = compute_resize_pad(ref_hw, self.size)
            results['ori_shape'] = tuple(int(v) for v in ref_hw)
            results['scale_factor'] = float(geometry.scale)
            results['pad'] = tuple(int(v) for v in geometry.pad)
        results['img_shape'] = self.size
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, image_keys={list(self.image_keys)}, '
                f'mask_keys={list(self.mask_keys)}, label_keys={list(self.label_keys)}, '
                f'keypoint_keys={list(self.keypoint_keys)}, ref_key={self.ref_key!r}, '
                f'image_pad_value={self.image_pad_value}, mask_pad_value={self.mask_pad_value}, '
                f'size_divisor={self.size_divisor})')
