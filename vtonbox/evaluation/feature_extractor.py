"""Shared FID Inception feature extraction for the FID and KID metrics and tools.

One network per (weights file, device) lives in this process, whatever number of
metrics use it. Features are memoised by image content (a digest of the uint8 bytes),
so when FID and KID are both configured each image goes through Inception once: the
Evaluator calls ``FID.process`` and ``KID.process`` on the same batch one after the
other. Identical bytes give identical features, so the memo cannot change a result.
"""
import hashlib
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from vtonbox.utils.files import file_sha256

from .functional.inception import FIDInceptionV3, inception_features, resolve_inception_weights
from .image_io import load_rgb

#: Images per Inception forward pass (pytorch-fid's default).
DEFAULT_BATCH_SIZE = 50
#: Features kept in the content memo (8 KiB each): a few batches of FID + KID.
FEATURE_MEMO_SIZE = 1024

_MODELS: Dict[Tuple[str, str], FIDInceptionV3] = {}
_MEMO: 'OrderedDict[Tuple[str, bytes], np.ndarray]' = OrderedDict()


def clear_feature_memo() -> None:
    """Forget memoised features (tests; or to free memory)."""
    _MEMO.clear()


def _digest(image: torch.Tensor) -> bytes:
    array = image.detach().cpu().contiguous().numpy()
    return hashlib.blake2b(array.tobytes() + str(array.shape).encode(), digest_size=16).digest()


def _as_image_list(images: Union[torch.Tensor, Sequence[torch.Tensor]]) -> List[torch.Tensor]:
    images = list(images)
    for image in images:
        if not isinstance(image, torch.Tensor) or image.dtype != torch.uint8 or (
                image.ndim != 3 or image.shape[0] != 3):
            raise ValueError('Inception features need (3, H, W) uint8 RGB tensors, got '
                             f'{getattr(image, "dtype", type(image).__name__)} '
                             f'{tuple(getattr(image, "shape", ()))}')
    return images


class InceptionFeatureExtractor:
    """Pool3 features of uint8 images or image files, pytorch-fid compatible.

    Args:
        weights (str, optional): FID Inception weights file; ``None`` = torch hub cache.
        batch_size (int): images per Inception forward pass.
    """

    def __init__(self, weights: Optional[str] = None,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.weights_path = resolve_inception_weights(weights)
        self.batch_size = batch_size

    @property
    def weights_sha256(self) -> str:
        """sha256 of the weights file (part of cache keys and of the JSON record)."""
        return file_sha256(self.weights_path)

    def model(self, device: Union[str, torch.device] = 'cpu') -> FIDInceptionV3:
        """The shared network on ``device`` (built on first use)."""
        device = torch.device(device)
        key = (self.weights_path, str(device))
        if key not in _MODELS:
            _MODELS[key] = FIDInceptionV3(self.weights_path).to(device)
        return _MODELS[key]

    def features(self, images: Union[torch.Tensor, Sequence[torch.Tensor]],
                 device: Optional[Union[str, torch.device]] = None) -> np.ndarray:
        """Features of images, batching consecutive images of equal size.

        Args:
            images (Tensor | list[Tensor]): (N, 3, H, W) or N tensors (3, H_i, W_i), uint8.
            device: where Inception runs; default the device of the first image.

        Returns:
            np.ndarray: (N, 2048) float32, in input order.
        """
        images = _as_image_list(images)
        if not images:
            raise ValueError('no images to extract features from')
        device = torch.device(device) if device is not None else images[0].device
        keys = [(self.weights_path, _digest(image)) for image in images]
        found = {i: _MEMO[key] for i, key in enumerate(keys) if key in _MEMO}
        todo = [i for i in range(len(images)) if i not in found]
        start = 0
        while start < len(todo):
            end = start + 1
            size = images[todo[start]].shape
            while (end < len(todo) and end - start < self.batch_size
                   and images[todo[end]].shape == size):
                end += 1
            batch = torch.stack([images[i] for i in todo[start:end]])
            feats = inception_features(self.model(device), batch, self.batch_size)
            for i, feat in zip(todo[start:end], feats):
                found[i] = feat
                self._remember(keys[i], feat)
            start = end
        return np.stack([found[i] for i in range(len(images))])

    def file_features(self, files: Sequence[str], device: Union[str, torch.device] = 'cpu',
                      progress: Optional[Any] = None) -> np.ndarray:
        """Features of image files, read ``batch_size`` at a time (never all in memory).

        Args:
            files (list[str]): image paths (read with PIL, converted to RGB).
            device (str | torch.device): where Inception runs.
            progress (optional): object with ``update(num_tasks=1)`` per image (e.g.
                ``mmengine.utils.ProgressBar``), or None.

        Returns:
            np.ndarray: (N, 2048) float32.
        """
        chunks = []
        for start in range(0, len(files), self.batch_size):
            batch = [torch.from_numpy(load_rgb(path)).permute(2, 0, 1)
                     for path in files[start:start + self.batch_size]]
            chunks.append(self.features(batch, device=device))
            if progress is not None:
                for _ in batch:
                    progress.update()
        if not chunks:
            raise ValueError('no image files to extract features from')
        return np.concatenate(chunks)

    @staticmethod
    def _remember(key: Tuple[str, bytes], feature: np.ndarray) -> None:
        _MEMO[key] = feature
        _MEMO.move_to_end(key)
        while len(_MEMO) > FEATURE_MEMO_SIZE:
            _MEMO.popitem(last=False)
