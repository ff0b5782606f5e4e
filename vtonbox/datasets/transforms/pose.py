"""Pose keypoints -> the 18-channel pose map of PF-AFN (docs/user_guides/dataset_prepare.md,
"Pose map and DensePose one-hot")."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from vtonbox.registry import TRANSFORMS

from .deferred import POSE_MAP_OP, defer_input

#: Upstream draws a keypoint only when x > 1 and y > 1 (OpenPose writes 0, 0 for
#: undetected joints); the same rule marks a keypoint as absent everywhere here.
KEYPOINT_MIN_COORD = 1.0
#: Square half-size of the upstream pose map at its 256-pixel-high images.
UPSTREAM_RADIUS = 5
UPSTREAM_HEIGHT = 256
POSE_INSIDE = 1.0
POSE_OUTSIDE = -1.0


def visible_keypoints(keypoints: np.ndarray) -> np.ndarray:
    """(K,) bool: which keypoints of a (K, 3) array are present (x > 1 and y > 1)."""
    return (keypoints[:, 0] > KEYPOINT_MIN_COORD) & (keypoints[:, 1] > KEYPOINT_MIN_COORD)


def pose_map(keypoints: np.ndarray, height: int, width: int, radius: int) -> np.ndarray:
    """Draw each keypoint as a filled square on its own channel.

    Args:
        keypoints (ndarray): (K, 3) (x, y, confidence) in pixels; confidence ignored.
        height, width (int): map size.
        radius (int): half-size; the square spans ``round(x) - r .. round(x) + r``
            (inclusive, clipped to the map).

    Returns:
        ndarray: (K, height, width) float32 (channel-first), +1 inside a square, -1
        elsewhere.
    """
    out = np.full((len(keypoints), height, width), POSE_OUTSIDE, dtype=np.float32)
    centres = np.floor(keypoints[:, :2] + 0.5).astype(np.int64)
    for k in np.flatnonzero(visible_keypoints(keypoints)):
        x, y = centres[k]
        x0, y0 = max(x - radius, 0), max(y - radius, 0)
        x1, y1 = min(x + radius + 1, width), min(y + radius + 1, height)
        if x0 < x1 and y0 < y1:
            out[k, y0:y1, x0:x1] = POSE_INSIDE
    return out


@TRANSFORMS.register_module()
class GeneratePoseMap(BaseTransform):
    """Render ``results[key]`` keypoints as the PF-AFN pose map ``results[out_key]``.

    The map is stored channel-first, (K, H, W) float32, like ``densepose_onehot``:
    multi-channel maps are made in their packed layout to avoid a costly transpose.

    Each keypoint with x > 1 and y > 1 becomes a (2r+1)-pixel square of +1 on its
    channel; everything else is -1 (upstream's map after Normalize(0.5, 0.5)).
    Upstream uses r = 5 at 256 x 192. With ``scale_radius=True`` the radius is scaled
    with the map height, ``r = round(radius * H / reference_height)`` (at least 1), so
    the squares cover the same fraction of the body at 128 x 96 or 512 x 384; set it to
    False to keep ``radius`` pixels at every size.

    With ``defer=True`` the map is not drawn here: the (K, 3) keypoints travel to the
    model and ``TryOnDataPreprocessor`` draws the same map on the device, for the whole
    batch (see ``vtonbox/datasets/transforms/deferred.py``). The keypoints must then not
    change after this step (put ``TryOnRandomFlip`` before it, as the configs do).

    Args:
        key (str): (K, 3) keypoints in model pixels. Default ``'pose_keypoints'``.
        out_key (str): output (K, H, W) float32 map. Default ``'pose'``.
        radius (int): square half-size at ``reference_height``. Default 5.
        reference_height (int): height at which ``radius`` applies. Default 256.
        scale_radius (bool): scale the radius with the map height. Default True.
        size_key (str): array whose (H, W) gives the map size. Default ``'person'``;
            ``results['img_shape']`` is used when that key is absent.
        defer (bool): build the map in the data preprocessor. Default False.
    """

    def __init__(self, key: str = 'pose_keypoints', out_key: str = 'pose',
                 radius: int = UPSTREAM_RADIUS, reference_height: int = UPSTREAM_HEIGHT,
                 scale_radius: bool = True, size_key: Optional[str] = 'person',
                 defer: bool = False) -> None:
        if radius < 0:
            raise ValueError(f'radius must be >= 0, got {radius}')
        self.key = key
        self.out_key = out_key
        self.radius = radius
        self.reference_height = reference_height
        self.scale_radius = scale_radius
        self.size_key = size_key
        self.defer = defer

    def radius_for(self, height: int) -> int:
        """Square half-size used for a map of this height."""
        if not self.scale_radius:
            return int(self.radius)
        return max(1, int(np.floor(self.radius * height / self.reference_height + 0.5)))

    def transform(self, results: dict) -> dict:
        if self.size_key is not None and self.size_key in results:
            height, width = results[self.size_key].shape[:2]
        elif 'img_shape' in results:
            height, width = results['img_shape'][:2]
        else:
            raise KeyError(f'GeneratePoseMap needs {self.size_key!r} or img_shape in results '
                           'to know the map size')
        keypoints = np.asarray(results[self.key], dtype=np.float32)
        if keypoints.ndim != 2 or keypoints.shape[1] < 2:
            raise ValueError(f'{self.key} must be (K, 3) keypoints, got shape {keypoints.shape}')
        radius = self.radius_for(height)
        if self.defer:
            results[self.key] = keypoints
            return defer_input(results, self.out_key, POSE_MAP_OP, self.key,
                               height=int(height), width=int(width), radius=int(radius))
        results[self.out_key] = pose_map(keypoints, height, width, radius)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(key={self.key!r}, out_key={self.out_key!r}, '
                f'radius={self.radius}, reference_height={self.reference_height}, '
                f'scale_radius={self.scale_radius}, size_key={self.size_key!r}, '
                f'defer={self.defer})')
