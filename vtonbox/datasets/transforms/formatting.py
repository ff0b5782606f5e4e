"""PackTryOnInputs: the last transform, producing exactly the data_flow.md contract;
``tryon_collate``: the training dataloaders' collate function."""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS
from torch.utils.data import default_collate

from vtonbox.registry import TRANSFORMS
from vtonbox.structures import TryOnDataSample

from .deferred import DEFERRED_KEY, SOURCE_KINDS, deferred_ops

#: Input key -> (kind, channels). kind: 'image' uint8 RGB, 'float' float32 map,
#: 'label' int64 ids. ``None`` channels: any count (e.g. a custom number of classes).
#: In ``results`` arrays are (H, W) or (H, W, C), except the multi-channel maps of
#: ``CHANNEL_FIRST_KEYS``, which transforms make as (C, H, W) to avoid a transpose.
INPUT_SPECS = dict(
    person=('image', 3),
    cloth=('image', 3),
    cloth_mask=('float', 1),
    cloth_unpaired=('image', 3),
    cloth_mask_unpaired=('float', 1),
    parsing=('label', 1),
    upper_cloth_mask=('float', 1),
    face_mask=('float', 1),
    other_clothes_mask=('float', 1),
    arm_mask=('float', 1),
    pose=('float', None),
    densepose=('label', 1),
    densepose_onehot=('float', None),
)
CHANNEL_FIRST_KEYS = ('pose', 'densepose_onehot')
_NUMPY_DTYPES = dict(image=np.uint8, float=np.float32, label=np.int64, keypoints=np.float32)
DEFAULT_META_KEYS = ('person_path', 'cloth_path', 'ori_shape', 'img_shape', 'scale_factor',
                     'pad', 'flip', 'paired', 'sample_idx')
_IDENTITY_META = dict(scale_factor=1.0, pad=(0, 0, 0, 0), flip=False)


def to_chw_tensor(array: np.ndarray, kind: str, key: str,
                  channel_first: bool = False) -> torch.Tensor:
    """(H, W), (H, W, C) or (``channel_first``) (C, H, W) array -> contiguous (C, H, W)
    tensor of the kind's dtype."""
    array = np.asarray(array)
    if kind == 'keypoints':
        if array.ndim != 2:
            raise ValueError(f'{key} must be (K, 3) keypoints, got shape {array.shape}')
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    if channel_first:
        if array.ndim != 3:
            raise ValueError(f'{key} must be (C, H, W), got shape {array.shape}')
    elif array.ndim == 2:
        array = array[None]
    elif array.ndim == 3:
        array = array.transpose(2, 0, 1)
    else:
        raise ValueError(f'{key} must be (H, W) or (H, W, C), got shape {array.shape}')
    if kind == 'image' and array.dtype != np.uint8:
        raise TypeError(f'{key} must stay uint8 until the data preprocessor, got {array.dtype}')
    # numpy's cast is much cheaper than torch's for these small arrays.
    return torch.from_numpy(np.ascontiguousarray(array, dtype=_NUMPY_DTYPES[kind]))


@TRANSFORMS.register_module()
class PackTryOnInputs(BaseTransform):
    """Pack results into ``dict(inputs=dict[str, Tensor], data_samples=TryOnDataSample)``.

    ``inputs`` holds (C, H, W) tensors: images uint8, masks / pose / one-hot float32,
    parsing and DensePose ids int64 (see ``INPUT_SPECS`` and data_flow.md). When the
    person wears the given cloth (``results['paired']``), the person image is also set
    as ``gt_person`` on the data sample. ``scale_factor``, ``pad`` and ``flip``
    default to the identity when no ResizePad / flip ran; ``ori_shape`` and
    ``img_shape`` then come from the person image.

    Maps deferred by ``GeneratePoseMap`` / ``ParsingToRegionMasks`` /
    ``DensePoseToOneHot`` (``defer=True``) count as present: instead of them, their
    compact sources are packed (keypoints as a (K, 3) float32 tensor, id maps as
    usual), and the metainfo ``deferred_inputs`` tells ``TryOnDataPreprocessor`` how
    to build them on the device (``dict(keys=<input keys in order>, ops=...)``, see
    ``vtonbox/datasets/transforms/deferred.py``). A deferred map that is not among
    ``input_keys`` is not built.

    Args:
        input_keys (list[str], optional): keys to pack; every one must be present.
            None packs every key of ``INPUT_SPECS`` that is present.
        meta_keys (list[str]): metainfo keys of the data sample.
    """

    def __init__(self, input_keys: Optional[Sequence[str]] = None,
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        if input_keys is not None:
            unknown = [k for k in input_keys if k not in INPUT_SPECS]
            if unknown:
                raise ValueError(f'unknown input keys {unknown}; known: {list(INPUT_SPECS)}')
            input_keys = tuple(input_keys)
        self.input_keys = input_keys
        self.meta_keys = tuple(meta_keys)

    def _meta(self, results: dict, inputs: dict) -> dict:
        metainfo = {}
        person_hw = tuple(inputs['person'].shape[-2:]) if 'person' in inputs else None
        for key in self.meta_keys:
            if key in results:
                value = results[key]
            elif key in _IDENTITY_META:
                value = _IDENTITY_META[key]
            elif key in ('ori_shape', 'img_shape') and person_hw is not None:
                value = person_hw
            else:
                raise KeyError(f'PackTryOnInputs: metainfo key {key!r} is missing from the '
                               'results (set by the dataset or ResizePad)')
            if key in ('ori_shape', 'img_shape', 'pad'):
                value = tuple(int(v) for v in value[:4 if key == 'pad' else 2])
            metainfo[key] = value
        return metainfo

    def transform(self, results: dict) -> dict:
        deferred = deferred_ops(results)
        if self.input_keys is None:
            keys = [k for k in INPUT_SPECS if k in results or k in deferred]
        else:
            missing = [k for k in self.input_keys if k not in results and k not in deferred]
            if missing:
                raise KeyError(f'PackTryOnInputs: inputs {missing} were not produced by the '
                               'pipeline')
            keys = list(self.input_keys)
        ops = {key: deferred[key] for key in keys if key in deferred}
        inputs = {}
        for key in keys:
            if key in ops:
                continue
            kind, channels = INPUT_SPECS[key]
            tensor = to_chw_tensor(results[key], kind, key, key in CHANNEL_FIRST_KEYS)
            if channels is not None and tensor.shape[0] != channels:
                raise ValueError(f'{key} must have {channels} channel(s), got shape '
                                 f'{tuple(tensor.shape)}')
            inputs[key] = tensor
        for op, source, _ in ops.values():  # sources that travel only to build a map
            if source not in inputs:
                inputs[source] = to_chw_tensor(results[source], SOURCE_KINDS[op], source)
        metainfo = self._meta(results, inputs)
        if ops:
            metainfo[DEFERRED_KEY] = dict(keys=tuple(keys), ops=ops)
        data_sample = TryOnDataSample(metainfo=metainfo)
        if results.get('paired') and 'person' in inputs:
            data_sample.gt_person = inputs['person']
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        keys = None if self.input_keys is None else list(self.input_keys)
        return f'{self.__class__.__name__}(input_keys={keys}, meta_keys={list(self.meta_keys)})'


def _stackable(values) -> bool:
    return (isinstance(values, list) and bool(values)
            and all(isinstance(v, torch.Tensor) for v in values)
            and len({(v.shape, v.dtype) for v in values}) == 1)


@FUNCTIONS.register_module()
def tryon_collate(data_batch: Sequence[dict]) -> dict:
    """``pseudo_collate``, with every ``inputs`` list of equally shaped tensors stacked.

    ``dict(inputs=dict(key=(N, C, H, W) tensor), data_samples=[TryOnDataSample, ...])``.
    In a dataloader worker the stack is written straight into shared memory (torch's
    ``default_collate``), so a batch crosses to the main process as one tensor per key
    instead of one per key and item, and ``TryOnDataPreprocessor`` has nothing left to
    stack. A ``gt_person`` that is the packed person image becomes a view of the
    stacked one (sent once). Lists that cannot be stacked stay lists (the preprocessor
    names the key). Configs: ``collate_fn=dict(type='tryon_collate')``.
    """
    batch = pseudo_collate(data_batch)
    inputs = batch.get('inputs') if isinstance(batch, dict) else None
    if not isinstance(inputs, dict):
        return batch
    samples: List = batch.get('data_samples') or []
    for key, values in inputs.items():
        if not _stackable(values):
            continue
        stacked = default_collate(values)
        if key == 'person':
            for index, (value, sample) in enumerate(zip(values, samples)):
                if isinstance(sample, TryOnDataSample) and sample.get('gt_person') is value:
                    sample.gt_person = stacked[index]
        inputs[key] = stacked
    return batch
