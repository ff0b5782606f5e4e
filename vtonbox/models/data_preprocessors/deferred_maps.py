"""Per-pixel input maps built on the model's device from compact batch fields.

The transforms ``GeneratePoseMap``, ``ParsingToRegionMasks`` and ``DensePoseToOneHot``
(``vtonbox/datasets/transforms``) can run with ``defer=True``: the dataloader workers
then only transfer the compact source (keypoints, id maps) and record *how* to build
each map in the data sample's ``deferred_inputs`` metainfo (written by
``PackTryOnInputs``):

.. code-block:: python

    dict(keys=('person', ..., 'pose', ...),     # model input keys, in packing order
         ops=dict(pose=('pose_map', 'pose_keypoints', (('height', 256), ...)),
                  face_mask=('region_mask', 'parsing', (('ids', (1, 12)), )),
                  densepose_onehot=('one_hot', 'densepose', (('num_classes', 25), ))))

``TryOnDataPreprocessor`` runs the functions below on the stacked batch, vectorised
over it. Each gives exactly (``torch.equal``) the stacked output of its numpy
transform. They use elementwise ops only (no matmul), so autocast (the preprocessor
runs inside MMEngine's ``optim_context``) leaves them in float32.
"""
from typing import Callable, Dict, Sequence

import torch
from torch import Tensor

#: Keypoints with x > 1 and y > 1 are present (``vtonbox.datasets.transforms.pose``).
KEYPOINT_MIN_COORD = 1.0
POSE_INSIDE = 1.0
POSE_OUTSIDE = -1.0


def pose_maps(keypoints: Tensor, height: int, width: int, radius: int) -> Tensor:
    """(N, K, 3) pixel keypoints -> (N, K, H, W) float32 pose maps.

    Batched ``pose_map``: +1 on the square ``round(x) - r .. round(x) + r`` (inclusive,
    clipped; round half up, as ``floor(v + 0.5)``) around each keypoint with x > 1 and
    y > 1, -1 elsewhere.
    """
    if keypoints.ndim != 3 or keypoints.shape[-1] < 2:
        raise ValueError(f'keypoints must be (N, K, 3), got {tuple(keypoints.shape)}')
    keypoints = keypoints.float()
    centres = torch.floor(keypoints[..., :2] + 0.5).long()  # (N, K, 2): x, y
    visible = (keypoints[..., 0] > KEYPOINT_MIN_COORD) & (keypoints[..., 1] > KEYPOINT_MIN_COORD)
    rows = torch.arange(height, device=keypoints.device)
    cols = torch.arange(width, device=keypoints.device)
    in_rows = ((rows - centres[..., 1:]).abs() <= radius) & visible[..., None]  # (N, K, H)
    in_cols = (cols - centres[..., :1]).abs() <= radius  # (N, K, W)
    # (2 * row) * col - 1: +1 inside the square, -1 elsewhere (exact in float32).
    scale = POSE_INSIDE - POSE_OUTSIDE
    out = (in_rows.float() * scale)[..., :, None] * in_cols.float()[..., None, :]
    return out.add_(POSE_OUTSIDE)


def region_mask(labels: Tensor, ids: Sequence[int]) -> Tensor:
    """(N, 1, H, W) id map -> float32 {0, 1} mask of the pixels whose id is in ``ids``
    (batched ``np.isin``; one comparison per id, faster than ``torch.isin`` for the few
    ids of a region)."""
    ids = tuple(int(i) for i in ids)
    if not ids:
        return torch.zeros(labels.shape, device=labels.device)
    mask = labels == ids[0]
    for value in ids[1:]:
        mask |= labels == value
    return mask.float()


def one_hot(labels: Tensor, num_classes: int) -> Tensor:
    """(N, 1, H, W) ids in [0, num_classes) -> (N, num_classes, H, W) float32 one-hot.

    The ids must be in range: ``DensePoseToOneHot`` refuses others in the worker, also
    with ``defer=True``.
    """
    if labels.ndim != 4 or labels.shape[1] != 1:
        raise ValueError(f'one_hot expects (N, 1, H, W) ids, got {tuple(labels.shape)}')
    out = torch.zeros((labels.shape[0], num_classes, *labels.shape[2:]), device=labels.device)
    return out.scatter_(1, labels.long(), 1.0)


#: Op name (as recorded by the deferred transforms) -> builder(source, **params).
DEFERRED_OPS: Dict[str, Callable[..., Tensor]] = dict(
    pose_map=pose_maps, region_mask=region_mask, one_hot=one_hot)
