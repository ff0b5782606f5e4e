"""Data preprocessor of every try-on model (see docs/advanced_guides/data_flow.md §2).

Turns a ``pseudo_collate`` batch ``dict(inputs=dict(key=[tensor, ...]),
data_samples=[TryOnDataSample, ...])`` into ``dict(inputs=dict(key=(N, C, H, W)),
data_samples=[...])`` on the model's device, with uint8 images mapped to [-1, 1], and
builds the per-pixel maps that the pipeline deferred (``defer=True`` transforms: pose
maps, region masks, DensePose one-hots) on that device, batched.
"""
from collections.abc import Mapping, Sequence
from typing import Optional

import torch
from mmengine.model import BaseDataPreprocessor

from vtonbox.registry import MODELS
from vtonbox.utils import to_signed_float

from .deferred_maps import DEFERRED_OPS

#: Data-sample metainfo key of the deferred maps (``PackTryOnInputs``).
DEFERRED_KEY = 'deferred_inputs'


@MODELS.register_module()
class TryOnDataPreprocessor(BaseDataPreprocessor):
    """Stack, move and convert the model inputs of a try-on batch.

    Per ``inputs`` key: a list of (C, H, W) tensors is stacked to (N, C, H, W) (an
    already stacked tensor is used as is), moved to the model device, then

    * ``uint8`` (images) -> float32 in [-1, 1] (``x / 127.5 - 1``);
    * floating point / bool (masks, pose maps, one-hots) -> float32, values unchanged;
    * other integers (parsing, DensePose ids) -> int64.

    Data samples are moved to the device unchanged (their image fields stay uint8).

    Deferred maps: when the data samples carry ``deferred_inputs`` metainfo (written by
    ``PackTryOnInputs`` for ``GeneratePoseMap`` / ``ParsingToRegionMasks`` /
    ``DensePoseToOneHot`` with ``defer=True``), the maps are built here from their
    compact sources (keypoints, id maps) after the move, with the transforms' settings
    recorded there, and equal what the transforms would have made. Sources that are
    not model inputs (the keypoints) are dropped, the inputs come in the packing order,
    and ``deferred_inputs`` is removed from the returned data samples.

    Args:
        channels_last (bool): return 4-d float inputs in ``torch.channels_last`` memory
            format (faster convolutions on recent GPUs).
        non_blocking (bool): asynchronous host-to-device copies (with pinned memory).
    """

    def __init__(self, channels_last: bool = False, non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        self.channels_last = channels_last

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess one batch.

        Args:
            data (dict): ``inputs`` (dict of lists of (C, H, W) tensors, or of (N, C, H, W)
                tensors) and optionally ``data_samples`` (list of ``TryOnDataSample``).
            training (bool): MMEngine's flag (train vs. val/test step); the conversion
                is the same in both.

        Returns:
            dict: ``inputs`` dict of (N, C, H, W) tensors on the model device and
            ``data_samples`` (list or None) on the same device.
        """
        if not isinstance(data, Mapping) or 'inputs' not in data:
            raise TypeError('TryOnDataPreprocessor expects a dict with an "inputs" key '
                            f'(a pseudo_collate batch), got {type(data).__name__}')
        inputs = data['inputs']
        if not isinstance(inputs, Mapping):
            raise TypeError('data["inputs"] must be a dict of modality -> tensors, got '
                            f'{type(inputs).__name__}')
        data_samples: Optional[list] = data.get('data_samples')
        deferred = self._deferred_spec(data_samples)
        batch = {key: self._prepare(key, value) for key, value in inputs.items()}
        if deferred is not None:
            batch = self._build_deferred(batch, deferred)
        if data_samples is not None:
            data_samples = self.cast_data(data_samples)
            if deferred is not None:
                for sample in data_samples:
                    if DEFERRED_KEY in sample:
                        delattr(sample, DEFERRED_KEY)
        return dict(inputs=batch, data_samples=data_samples)

    @staticmethod
    def _deferred_spec(data_samples) -> Optional[dict]:
        """The ``deferred_inputs`` record shared by every sample (None when absent)."""
        if not data_samples or not isinstance(data_samples, Sequence):
            return None
        specs = [sample.metainfo.get(DEFERRED_KEY) if hasattr(sample, 'metainfo') else None
                 for sample in data_samples]
        if all(spec is None for spec in specs):
            return None
        if any(spec != specs[0] for spec in specs[1:]):
            raise ValueError('the samples of a batch defer different maps (deferred_inputs '
                             'metainfo differs): build them with one pipeline')
        return specs[0]

    def _build_deferred(self, batch: dict, deferred: dict) -> dict:
        """Build the deferred maps from their sources in ``batch``; inputs in
        ``deferred['keys']`` order, sources that are not inputs dropped."""
        built, sources = {}, set()
        for key, (op, source, params) in deferred['ops'].items():
            if op not in DEFERRED_OPS:
                raise KeyError(f'deferred input {key!r}: unknown op {op!r}; known: '
                               f'{sorted(DEFERRED_OPS)}')
            if source not in batch:
                raise KeyError(f'deferred input {key!r} needs inputs[{source!r}]')
            tensor = DEFERRED_OPS[op](batch[source], **dict(params))
            if self.channels_last and tensor.ndim == 4:
                tensor = tensor.contiguous(memory_format=torch.channels_last)
            built[key] = tensor
            sources.add(source)
        out = {key: built[key] if key in built else batch[key] for key in deferred['keys']}
        out.update((key, value) for key, value in batch.items()
                   if key not in out and key not in sources)
        return out

    def _stack(self, key: str, value) -> torch.Tensor:
        if isinstance(value, torch.Tensor):
            return value
        if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or not value \
                or not all(isinstance(v, torch.Tensor) for v in value):
            raise TypeError(f'inputs[{key!r}] must be a tensor or a non-empty list of '
                            f'tensors, got {type(value).__name__}')
        shapes = {tuple(v.shape) for v in value}
        dtypes = {v.dtype for v in value}
        if len(shapes) != 1 or len(dtypes) != 1:
            raise ValueError(f'inputs[{key!r}] items must share one shape and dtype to be '
                             f'stacked, got shapes {sorted(shapes)} and dtypes '
                             f'{sorted(map(str, dtypes))}')
        return torch.stack(list(value))

    def _prepare(self, key: str, value) -> torch.Tensor:
        batch = self._stack(key, value).to(self.device, non_blocking=self._non_blocking)
        if batch.dtype == torch.uint8:
            batch = to_signed_float(batch)
        elif batch.is_floating_point() or batch.dtype == torch.bool:
            batch = batch.float()
        else:
            batch = batch.long()
        if self.channels_last and batch.ndim == 4 and batch.is_floating_point():
            batch = batch.contiguous(memory_format=torch.channels_last)
        return batch
