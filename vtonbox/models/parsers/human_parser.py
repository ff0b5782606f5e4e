"""HumanParser: a trainable human-parsing model (person image -> parsing label map).

The parser-based teacher of PF-AFN needs a parsing map of the person (ids of the
14-class VITON label set, see ``vtonbox.datasets.labels``). This model learns it from
``(person, parsing)`` pairs so that a user's own photos can be parsed.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample
from vtonbox.utils import to_signed_float

ModelOutput = Union[Dict[str, torch.Tensor], List[TryOnDataSample], torch.Tensor]


@MODELS.register_module()
class HumanParser(BaseModel):
    """Segmentation network trained with pixel-wise cross-entropy.

    Example:
        >>> parser = MODELS.build(dict(type='HumanParser'))
        >>> ids = parser.parse(person_rgb)  # (H, W, 3) uint8 -> (H, W) uint8 ids

    Args:
        network (dict | nn.Module): the segmentation network; it must expose
            ``num_classes`` and ``size_divisor`` and map (N, 3, H, W) to
            (N, num_classes, H, W) logits. Default: ``ParsingUNet`` (14 classes).
        class_weights (Sequence[float], optional): per-class weights of the
            cross-entropy (length ``num_classes``), e.g. to boost small classes.
        ignore_index (int): target id that does not contribute to the loss.
        loss_weight (float): scale of ``loss_ce``.
        input_key (str): ``inputs`` key of the person image, (N, 3, H, W) in [-1, 1].
        target_key (str): ``inputs`` key of the target map, (N, 1, H, W) int64 ids.
        data_preprocessor (dict | nn.Module): batch preprocessor.
        init_cfg (dict | list, optional): MMEngine weight initialisation.
    """

    def __init__(self,
                 network: Union[dict, nn.Module] = dict(type='ParsingUNet'),
                 class_weights: Optional[Sequence[float]] = None,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0,
                 input_key: str = 'person',
                 target_key: str = 'parsing',
                 data_preprocessor: Union[dict, nn.Module] = dict(type='TryOnDataPreprocessor'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if isinstance(data_preprocessor, dict):
            # Built here so that vtonbox types resolve without a default scope.
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.network = MODELS.build(network) if isinstance(network, dict) else network
        self.num_classes = int(self.network.num_classes)
        if class_weights is not None:
            if len(class_weights) != self.num_classes:
                raise ValueError(f'class_weights must have num_classes = {self.num_classes} '
                                 f'entries, got {len(class_weights)}')
            self.register_buffer('class_weights',
                                 torch.as_tensor(class_weights, dtype=torch.float32))
        else:
            self.class_weights = None
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        self.input_key = input_key
        self.target_key = target_key

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[TryOnDataSample]] = None,
                mode: str = 'tensor') -> ModelOutput:
        """Run the parser.

        Args:
            inputs (dict): ``inputs[input_key]`` (N, 3, H, W) in [-1, 1]; for ``'loss'``
                also ``inputs[target_key]`` (N, 1, H, W) int64 ids.
            data_samples (list[TryOnDataSample], optional): one per image.
            mode (str): ``'loss'`` -> ``dict(loss_ce=...)``; ``'predict'`` -> the data
                samples with ``pred_parsing`` (1, H, W) int64 (and ``gt_parsing`` when
                the target is given, for metrics); ``'tensor'`` -> logits
                (N, num_classes, H, W).
        """
        if not isinstance(inputs, dict) or self.input_key not in inputs:
            raise KeyError(f'inputs must be a dict with the key {self.input_key!r}, got '
                           f'{sorted(inputs) if isinstance(inputs, dict) else type(inputs)}')
        logits = self.network(inputs[self.input_key])
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            if self.target_key not in inputs:
                raise KeyError(f'mode="loss" needs the target inputs[{self.target_key!r}]')
            return dict(loss_ce=self.loss(logits, inputs[self.target_key]))
        if mode == 'predict':
            return self.predict(logits, inputs.get(self.target_key), data_samples)
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def _check_target(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Validate the target map and return it as (N, H, W) int64."""
        if target.is_floating_point() or target.dtype == torch.bool:
            raise TypeError(f'{self.target_key} must hold integer label ids, got {target.dtype}')
        if target.ndim == 4 and target.shape[1] == 1:
            target = target[:, 0]
        expected = (logits.shape[0], *logits.shape[2:])
        if tuple(target.shape) != expected:
            raise ValueError(f'{self.target_key} must have shape (N, 1, H, W) = '
                             f'({expected[0]}, 1, {expected[1]}, {expected[2]}), '
                             f'got {tuple(target.shape)}')
        return target.long()

    def loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Weighted pixel-wise cross-entropy (computed in float32).

        Args:
            logits (Tensor): (N, num_classes, H, W).
            target (Tensor): (N, 1, H, W) or (N, H, W) integer ids in
                ``[0, num_classes)`` or ``ignore_index``.

        Returns:
            Tensor: scalar loss.
        """
        target = self._check_target(logits, target)
        valid = target[target != self.ignore_index]
        if valid.numel() and (int(valid.min()) < 0 or int(valid.max()) >= self.num_classes):
            raise ValueError(f'{self.target_key} ids must be in [0, {self.num_classes}) or '
                             f'{self.ignore_index} (ignored), got range '
                             f'[{int(valid.min())}, {int(valid.max())}]')
        loss = F.cross_entropy(logits.float(), target, weight=self.class_weights,
                               ignore_index=self.ignore_index)
        return self.loss_weight * loss

    def predict(self, logits: torch.Tensor, target: Optional[torch.Tensor],
                data_samples: Optional[List[TryOnDataSample]]) -> List[TryOnDataSample]:
        """Attach the arg-max label map (and the target, if any) to the data samples."""
        labels = logits.argmax(dim=1, keepdim=True)
        if target is not None:
            target = self._check_target(logits, target).unsqueeze(1)
        if data_samples is None:
            data_samples = [TryOnDataSample() for _ in range(labels.shape[0])]
        if len(data_samples) != labels.shape[0]:
            raise ValueError(f'got {len(data_samples)} data samples for a batch of '
                             f'{labels.shape[0]} images')
        for index, sample in enumerate(data_samples):
            sample.pred_parsing = labels[index]
            if target is not None:
                sample.gt_parsing = target[index]
        return list(data_samples)

    def parse(self, person_rgb: np.ndarray) -> np.ndarray:
        """Parse one photo (convenience for users; runs in eval mode, no autograd).

        Sides that are not multiples of the network's ``size_divisor`` are padded by
        edge replication and the result is cropped back. The photo should be at the
        resolution the parser was trained at (e.g. 256 x 192).

        Args:
            person_rgb (np.ndarray): (H, W, 3) uint8 RGB.

        Returns:
            np.ndarray: (H, W) uint8 label ids.
        """
        if not isinstance(person_rgb, np.ndarray) or person_rgb.dtype != np.uint8:
            raise TypeError('person_rgb must be a uint8 numpy array, got '
                            f'{getattr(person_rgb, "dtype", type(person_rgb).__name__)}')
        if person_rgb.ndim != 3 or person_rgb.shape[2] != 3:
            raise ValueError(f'person_rgb must have shape (H, W, 3), got {person_rgb.shape}')
        height, width = person_rgb.shape[:2]
        divisor = self.network.size_divisor
        pad_h, pad_w = -height % divisor, -width % divisor
        device = next(self.parameters()).device
        image = torch.from_numpy(np.ascontiguousarray(person_rgb)).permute(2, 0, 1)[None]
        image = to_signed_float(image.to(device))
        if pad_h or pad_w:
            image = F.pad(image, (0, pad_w, 0, pad_h), mode='replicate')
        was_training = self.training
        self.eval()
        try:
            with torch.inference_mode():
                labels = self.network(image).argmax(dim=1)[0, :height, :width]
        finally:
            self.train(was_training)
        return labels.to(torch.uint8).cpu().numpy()
