"""TryOnDataSample: the per-sample record that travels through datasets, models,
metrics and visualisers.

Image fields hold ``uint8`` tensors, RGB, ``(3, H, W)`` at the model input size;
mask fields hold ``uint8`` tensors ``(1, H, W)`` in ``{0, 255}``. Keeping one
dtype/range for every image field means metrics, visualisers and the
Inferencer never guess how to convert.

Metainfo keys set by the data pipeline (see ``PackTryOnInputs``):
``person_path``, ``cloth_path``, ``ori_shape`` (person ``(H, W)`` on disk),
``img_shape`` (model ``(H, W)``), ``scale_factor`` and ``pad`` (how the person was
mapped to the model size, used to map results back), ``paired`` (bool),
``sample_idx``.
"""
from typing import Optional

import torch
from mmengine.structures import BaseDataElement

#: Fields holding (3, H, W) uint8 RGB images, in the order result grids show them:
#: person | cloth | tutor | warped cloth | rendered person | try-on | ground truth.
IMAGE_FIELDS = ('person', 'cloth', 'tutor', 'pred_warped_cloth', 'pred_rendered',
                'pred_tryon', 'gt_person')
#: Fields holding (1, H, W) uint8 masks in {0, 255}.
MASK_FIELDS = ('cloth_mask', 'pred_warped_mask', 'gt_cloth_mask')


def _check(name: str, value: torch.Tensor, channels: int) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f'{name} must be a torch.Tensor, got {type(value).__name__}')
    if value.dtype != torch.uint8:
        raise TypeError(f'{name} must be uint8 (use vtonbox.utils.to_uint8_image), '
                        f'got {value.dtype}')
    if value.ndim != 3 or value.shape[0] != channels:
        raise ValueError(f'{name} must have shape ({channels}, H, W), got {tuple(value.shape)}')
    return value


class TryOnDataSample(BaseDataElement):
    """Data sample of one try-on pair (ground truth and predictions).

    Example:
        >>> s = TryOnDataSample(metainfo=dict(paired=True))
        >>> s.gt_person = torch.zeros(3, 64, 48, dtype=torch.uint8)
    """

    def __setattr__(self, name: str, value) -> None:
        if name in IMAGE_FIELDS:
            _check(name, value, 3)
        elif name in MASK_FIELDS:
            _check(name, value, 1)
        super().__setattr__(name, value)

    @property
    def is_paired(self) -> Optional[bool]:
        """Whether the person wears the given cloth (ground truth exists)."""
        return self.metainfo.get('paired')
