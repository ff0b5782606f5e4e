"""Random horizontal flip applied consistently to every modality of a sample.

Mirroring a person turns their right arm into what looks like a left arm (labels
follow the person's side, see ``vtonbox.datasets.labels``), so besides flipping the
pixels the left/right ids are swapped: parsing (shoes 5/6, legs 9/10, arms 11/13),
DensePose parts (3/4, 5/6, ..., 23/24) and OpenPose keypoints (R/L shoulder, elbow,
wrist, hip, knee, ankle, eye, ear). The in-shop cloth and its mask are flipped too, so
that the worn garment stays a warp of the (mirrored) product cloth. Upstream PF-AFN
trains without flipping, so the configs keep ``prob=0``. A DensePose *rendering*
(``densepose_rgb``) is mirrored but its colours cannot be swapped (they are not decoded
into parts), so its left/right colours stay those of the unflipped person.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from vtonbox.registry import TRANSFORMS

from ..labels import DENSEPOSE_FLIP_PAIRS, PARSING_FLIP_PAIRS, POSE_FLIP_PAIRS
from .deferred import deferred_ops
from .pose import visible_keypoints

DEFAULT_FLIP_KEYS = ('person', 'cloth', 'cloth_mask', 'cloth_unpaired', 'cloth_mask_unpaired',
                     'parsing', 'densepose', 'upper_cloth_mask', 'face_mask',
                     'other_clothes_mask', 'arm_mask', 'densepose_rgb')
#: Channel-first (C, H, W) maps (see formatting.CHANNEL_FIRST_KEYS) and their channel pairs.
DEFAULT_CHANNEL_SWAPS = dict(pose=POSE_FLIP_PAIRS, densepose_onehot=DENSEPOSE_FLIP_PAIRS)
DEFAULT_LABEL_SWAPS = dict(parsing=PARSING_FLIP_PAIRS, densepose=DENSEPOSE_FLIP_PAIRS)
DEFAULT_KEYPOINT_SWAPS = dict(pose_keypoints=POSE_FLIP_PAIRS)
_LUT_SIZE = 256


def swap_lookup(pairs: Sequence[Sequence[int]]) -> np.ndarray:
    """(256,) uint8 table mapping every id to its mirror twin (others to themselves)."""
    lut = np.arange(_LUT_SIZE, dtype=np.uint8)
    for a, b in pairs:
        lut[a], lut[b] = b, a
    return lut


def swap_order(num: int, pairs: Sequence[Sequence[int]]) -> np.ndarray:
    """(num,) index order that exchanges every pair (for keypoint rows or channels)."""
    order = np.arange(num)
    for a, b in pairs:
        order[a], order[b] = b, a
    return order


def flip_keypoints(keypoints: np.ndarray, width: int,
                   pairs: Sequence[Sequence[int]]) -> np.ndarray:
    """Mirror (K, 3) pixel keypoints (x -> W - 1 - x) and swap left/right rows."""
    out = keypoints.astype(np.float32, copy=True)
    visible = visible_keypoints(keypoints)
    out[visible, 0] = (width - 1) - keypoints[visible, 0]
    return out[swap_order(len(out), pairs)]


@TRANSFORMS.register_module()
class TryOnRandomFlip(BaseTransform):
    """Flip all modalities horizontally with probability ``prob`` (numpy global RNG).

    Sets ``results['flip']``. Arrays of ``keys`` are (H, W[, C]); label maps listed in
    ``label_swaps`` also get their left/right ids exchanged. The channel-first
    (C, H, W) maps of ``channel_swaps`` (pose map, DensePose one-hot, if already made)
    are mirrored and get their left/right channels exchanged. Keypoints in
    ``keypoint_swaps`` are mirrored in x and their rows exchanged. The swap tables are
    configurable for other label sets.

    Args:
        prob (float): flip probability. Default 0.5.
        keys (list[str]): arrays to mirror (absent keys are skipped).
        label_swaps (dict): label-map key -> id pairs to exchange.
        channel_swaps (dict, optional): channel-first key -> channel pairs to exchange
            (default: ``pose`` with the keypoint pairs, ``densepose_onehot`` with the
            DensePose pairs).
        keypoint_swaps (dict): keypoints key -> row pairs to exchange.
        ref_key (str): array whose width mirrors the keypoints. Default ``'person'``.
    """

    def __init__(self,
                 prob: float = 0.5,
                 keys: Sequence[str] = DEFAULT_FLIP_KEYS,
                 label_swaps: Dict[str, Sequence[Tuple[int, int]]] = DEFAULT_LABEL_SWAPS,
                 channel_swaps: Optional[Dict[str, Sequence[Tuple[int, int]]]] = None,
                 keypoint_swaps: Dict[str, Sequence[Tuple[int, int]]] = DEFAULT_KEYPOINT_SWAPS,
                 ref_key: str = 'person') -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.keys = tuple(keys)
        self.label_swaps = {k: tuple(tuple(p) for p in v) for k, v in label_swaps.items()}
        if channel_swaps is None:
            channel_swaps = DEFAULT_CHANNEL_SWAPS
        self.channel_swaps = {k: tuple(tuple(p) for p in v) for k, v in channel_swaps.items()}
        self.keypoint_swaps = {k: tuple(tuple(p) for p in v) for k, v in keypoint_swaps.items()}
        self.ref_key = ref_key
        self._luts = {k: swap_lookup(v) for k, v in self.label_swaps.items()}

    def flip(self, results: dict) -> dict:
        """Flip unconditionally (the deterministic part, used by ``transform``)."""
        for key in self.keypoint_swaps:
            if key in results:
                if self.ref_key not in results:
                    raise KeyError(f'flipping keypoints {key!r} needs {self.ref_key!r}')
                width = results[self.ref_key].shape[1]
                results[key] = flip_keypoints(results[key], width, self.keypoint_swaps[key])
        for key in self.keys:
            if key not in results:
                continue
            array = np.ascontiguousarray(results[key][:, ::-1])
            if key in self._luts:
                array = self._luts[key][array]
            results[key] = array
        for key, pairs in self.channel_swaps.items():
            if key in results:
                array = results[key][:, :, ::-1]
                results[key] = np.ascontiguousarray(array[swap_order(len(array), pairs)])
        return results

    def check_not_deferred(self, results: dict) -> None:
        """Refuse to flip the source of a map deferred earlier in the pipeline: the
        map would be built from the flipped source, which is not the flipped map."""
        flipped = set(self.keys) | set(self.keypoint_swaps)
        late = sorted(key for key, (_, source, _) in deferred_ops(results).items()
                      if source in flipped)
        if late:
            raise ValueError(f'{self.__class__.__name__} after deferred maps {late}: put '
                             'the flip before GeneratePoseMap / ParsingToRegionMasks / '
                             'DensePoseToOneHot with defer=True')

    def transform(self, results: dict) -> dict:
        self.check_not_deferred(results)
        do_flip = bool(self.prob > 0 and np.random.rand() < self.prob)
        if do_flip:
            results = self.flip(results)
        results['flip'] = do_flip
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, keys={list(self.keys)}, '
                f'label_swaps={self.label_swaps}, channel_swaps={self.channel_swaps}, '
                f'keypoint_swaps={self.keypoint_swaps}, ref_key={self.ref_key!r})')
