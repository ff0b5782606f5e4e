"""Inputs for the benchmarks: random try-on tensors, the synthetic test split, and a
prefetching training dataloader over synthetic data in the training dataset's layout
(VITON, VITON-HD or DressCode).

Training data comes from the config's own ``train_dataloader`` (dataset type, folder
names, pipeline), pointed at a synthetic dataset and resized to the benchmark size,
and is loaded like MMEngine's Runner does (workers, the config's ``collate_fn``) plus
prefetching and, on GPU, pinned memory, so the measured step includes real data loading
(and the data preprocessor's work: the configs defer the pose maps, region masks and
one-hots to it).
"""
import copy
import itertools
import math
from functools import partial
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
from mmengine.dataset import pseudo_collate, worker_init_fn
from mmengine.registry import FUNCTIONS
from torch.utils.data import DataLoader

from vtonbox.datasets.synthetic import make_synthetic
from vtonbox.registry import DATASETS, MODELS

#: Synthetic test split: folder names written by ``make_synthetic_viton`` and the
#: unpaired pair list (the try-on protocol).
SYNTHETIC_TEST_PREFIX = dict(person='test_img', cloth='test_color', cloth_mask='test_edge')
SYNTHETIC_TEST_PAIRS = 'test_pairs.txt'
CLOTH_MASK_THRESHOLD = 0.5
PREFETCH_FACTOR = 2


def random_tryon_inputs(batch: int, height: int, width: int,
                        device: Union[str, torch.device] = 'cpu',
                        seed: int = 0) -> Dict[str, torch.Tensor]:
    """Smooth random person and cloth images in ``[-1, 1]`` and an elliptic cloth mask.

    Returns:
        dict: ``person`` / ``cloth`` ``(N, 3, H, W)``, ``cloth_mask`` ``(N, 1, H, W)``.
    """
    generator = torch.Generator().manual_seed(seed)

    def smooth_image():
        coarse = torch.rand(batch, 3, max(height // 16, 2), max(width // 16, 2),
                            generator=generator)
        image = torch.nn.functional.interpolate(coarse, size=(height, width),
                                                mode='bilinear', align_corners=False)
        return image * 2 - 1

    rows = torch.linspace(-1, 1, height).view(height, 1)
    cols = torch.linspace(-1, 1, width).view(1, width)
    ellipse = ((rows / 0.7) ** 2 + (cols / 0.6) ** 2 < 1).float()
    mask = ellipse.expand(batch, 1, height, width).contiguous()
    inputs = dict(person=smooth_image(), cloth=smooth_image(), cloth_mask=mask)
    return {key: value.to(device) for key, value in inputs.items()}


def resize_pipeline(pipeline: List[dict], size: Tuple[int, int]) -> List[dict]:
    """Copy of ``pipeline`` whose ``ResizePad`` steps resize to ``size`` (H, W)."""
    pipeline = copy.deepcopy(list(pipeline))
    found = False
    for step in pipeline:
        if step.get('type') == 'ResizePad':
            step['size'] = tuple(size)
            found = True
    if not found:
        raise ValueError('the pipeline has no ResizePad step to set the benchmark size')
    return pipeline


def test_pipeline(size: Tuple[int, int]) -> List[dict]:
    """The parser-free test pipeline (person, cloth, mask) at ``size``."""
    return [
        dict(type='LoadTryOnImage', keys=['person', 'cloth']),
        dict(type='LoadClothMask', keys=['cloth_mask']),
        dict(type='ResizePad', size=tuple(size)),
        dict(type='BinarizeMask', keys=['cloth_mask'], threshold=CLOTH_MASK_THRESHOLD),
        dict(type='PackTryOnInputs'),
    ]


def synthetic_test_batches(data_root: str, size: Tuple[int, int], batch_size: int,
                           max_items: Optional[int] = None,
                           device: Union[str, torch.device] = 'cpu'
                           ) -> Iterator[Dict[str, torch.Tensor]]:
    """Float try-on inputs of the synthetic test split (unpaired pairs), batch by batch.

    Args:
        data_root (str): root written by ``make_synthetic_viton``.
        size (tuple[int, int]): model (H, W).
        batch_size (int): pairs per batch.
        max_items (int, optional): stop after this many pairs.
        device (str | torch.device): where the tensors go.

    Yields:
        dict: ``person``, ``cloth`` (``(N, 3, H, W)`` in ``[-1, 1]``), ``cloth_mask``.
    """
    dataset = DATASETS.build(dict(
        type='VITONTestDataset', data_root=data_root, data_prefix=SYNTHETIC_TEST_PREFIX,
        ann_file=SYNTHETIC_TEST_PAIRS, pipeline=test_pipeline(size)))
    preprocessor = MODELS.build(dict(type='TryOnDataPreprocessor')).to(device)
    count = len(dataset) if max_items is None else min(len(dataset), max_items)
    for start in range(0, count, batch_size):
        items = [dataset[i] for i in range(start, min(start + batch_size, count))]
        yield preprocessor(pseudo_collate(items), False)['inputs']


def build_train_loader(dataloader_cfg: dict, data_root: str, size: Tuple[int, int],
                       batch_size: int, num_workers: int, pin_memory: bool,
                       seed: int = 0) -> DataLoader:
    """The config's training dataset on ``data_root`` at ``size``, in a DataLoader with
    ``num_workers`` workers, prefetching and (on GPU) pinned memory."""
    dataset_cfg = copy.deepcopy(dict(dataloader_cfg['dataset']))
    dataset_cfg['data_root'] = data_root
    dataset_cfg['pipeline'] = resize_pipeline(dataset_cfg['pipeline'], size)
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) < batch_size:
        raise ValueError(f'the synthetic dataset has {len(dataset)} items, fewer than one '
                         f'batch of {batch_size}')
    collate_cfg = dict(dataloader_cfg.get('collate_fn') or dict(type='pseudo_collate'))
    collate_fn = partial(FUNCTIONS.get(collate_cfg.pop('type')), **collate_cfg)
    extra = {}
    if num_workers > 0:
        extra = dict(prefetch_factor=PREFETCH_FACTOR, persistent_workers=True,
                     worker_init_fn=partial(worker_init_fn, num_workers=num_workers,
                                            rank=0, seed=seed))
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True,
                      num_workers=num_workers, collate_fn=collate_fn,
                      pin_memory=pin_memory, **extra)


def endless(loader: DataLoader) -> Iterator:
    """Iterate ``loader`` epoch after epoch."""
    return itertools.chain.from_iterable(itertools.repeat(loader))


def write_synthetic_train_data(out_dir: str, dataset_cfg: dict, num_train: int, seed: int,
                               size: Tuple[int, int]) -> str:
    """Synthetic data at ``size`` ``(H, W)`` in the layout the config's training dataset
    reads (its class's ``LAYOUT`` and ``synthetic_options``, e.g. DressCode's categories),
    ``num_train`` training samples (per category). Returns the layout name."""
    dataset_type = DATASETS.get(dataset_cfg['type'])
    make_synthetic(out_dir, dataset_type.LAYOUT, num_train, 0, seed, size[0], size[1],
                   **dataset_type.synthetic_options(dataset_cfg))
    return dataset_type.LAYOUT


def samples_needed(batch_size: int, steps: int, epochs_allowed: int = 4) -> int:
    """Synthetic training samples so that ``steps`` batches need few epochs."""
    return max(batch_size, math.ceil(batch_size * steps / epochs_allowed))
