"""The FID Inception network (pytorch-fid's ``InceptionV3``, pool3), built offline.

pytorch-fid builds its network with ``InceptionV3([3], use_fid_inception=True)``, whose
constructor downloads the TF-ported weights. vtonbox builds the *same* modules (the
torchvision ``Inception3`` trunk with pytorch-fid's patched ``FIDInception*`` blocks,
grouped into the same four blocks, same input resize and scaling) and loads the weights
from a local file only. The module's ``state_dict`` is key-for-key the one of
pytorch-fid's ``InceptionV3``, so features, and therefore FID, agree with
``python -m pytorch_fid`` on the same images.
"""
from typing import Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..errors import EvaluationInputError
from .weight_files import LocalWeights

#: Where pytorch-fid downloads its FID Inception weights from (its ``FID_WEIGHTS_URL``,
#: restated so that importing this module does not import pytorch-fid and torchvision;
#: a test checks that the two agree).
FID_WEIGHTS_URL = ('https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/'
                   'pt_inception-2015-12-05-6726825d.pth')
#: How a metric is given another weights file (quoted in the errors).
FID_WEIGHTS_OPTION = '`inception_weights=` of the FID/KID metric'
#: The weights file, read from pytorch-fid's place in the torch hub cache.
FID_INCEPTION_WEIGHTS = LocalWeights('FID Inception weights', FID_WEIGHTS_URL, 'pytorch-fid',
                                     FID_WEIGHTS_OPTION)
#: File name pytorch-fid stores its weights under in the torch hub cache.
FID_WEIGHTS_FILENAME = FID_INCEPTION_WEIGHTS.filename
#: Side the FID Inception resizes every input to (bilinear, ``align_corners=False``).
FID_INPUT_SIZE = (299, 299)
#: Dimension of the pool3 features.
FID_FEATURE_DIM = 2048
#: Classes of the TF Inception classifier; its ``fc`` weights are part of the file.
FID_NUM_CLASSES = 1008
#: Largest uint8 value; images are scaled to [0, 1] by it, as ``ToTensor`` does.
UINT8_MAX = 255

__all__ = [
    'FID_WEIGHTS_FILENAME', 'FID_WEIGHTS_URL', 'FID_FEATURE_DIM', 'FIDInceptionV3',
    'default_inception_weights_path', 'inception_weights_todo', 'resolve_inception_weights',
    'load_inception_state_dict', 'build_fid_inception_trunk',
    'save_random_inception_weights', 'inception_features'
]


def default_inception_weights_path() -> str:
    """Where pytorch-fid keeps its weights: ``<torch.hub.get_dir()>/checkpoints/<file>``."""
    return FID_INCEPTION_WEIGHTS.default_path()


def inception_weights_todo(option: str = FID_WEIGHTS_OPTION,
                           missing: Optional[str] = None) -> str:
    """What to do about missing FID Inception weights (the "what to do" of the error).

    Args:
        option (str): how the caller passes another weights file, e.g.
            ``'--inception-weights PATH'``.
        missing (str, optional): the file that was looked for (the message then does not
            repeat the hub cache path when that was it).
    """
    return FID_INCEPTION_WEIGHTS.todo(option, missing)


def resolve_inception_weights(path: Optional[str] = None,
                              option: str = FID_WEIGHTS_OPTION) -> str:
    """Absolute path of the FID Inception weights; never downloads.

    Args:
        path (str, optional): explicit weights file. ``None`` uses the torch hub cache
            (:func:`default_inception_weights_path`).
        option (str): how the caller passes another file (quoted in the error).

    Raises:
        EvaluationFileNotFoundError: (a ``FileNotFoundError``) naming the file, where to put
            it and where to get it.
    """
    return FID_INCEPTION_WEIGHTS.resolve(path, option)


def load_inception_state_dict(path: str) -> dict:
    """The state dict of a weights file, with a one-line error for a bad file.

    Raises:
        EvaluationInputError: empty, truncated or not a PyTorch file.
    """
    return FID_INCEPTION_WEIGHTS.load_state_dict(path)


def build_fid_inception_trunk() -> nn.Module:
    """pytorch-fid's ``fid_inception_v3()`` without the weight download.

    torchvision's Inception3 (1008 classes, no aux logits, no weight init) with the
    FID-specific blocks swapped in; weights are left at PyTorch's default init.
    torchvision and pytorch-fid are imported here, when a trunk is built: importing
    vtonbox (every tool start) does not pay for them.
    """
    import torchvision
    from pytorch_fid.inception import (
        FIDInceptionA,
        FIDInceptionC,
        FIDInceptionE_1,
        FIDInceptionE_2,
    )

    trunk = torchvision.models.inception_v3(
        weights=None, num_classes=FID_NUM_CLASSES, aux_logits=False, init_weights=False)
    trunk.Mixed_5b = FIDInceptionA(192, pool_features=32)
    trunk.Mixed_5c = FIDInceptionA(256, pool_features=64)
    trunk.Mixed_5d = FIDInceptionA(288, pool_features=64)
    trunk.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    trunk.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    trunk.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    trunk.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    trunk.Mixed_7b = FIDInceptionE_1(1280)
    trunk.Mixed_7c = FIDInceptionE_2(2048)
    return trunk


def save_random_inception_weights(path: str, seed: int = 0) -> str:
    """Save a randomly initialised FID Inception in the format of the real weights file.

    For tests and speed benchmarks only (FID values from it mean nothing). Convolutions
    get He-normal init so that activations neither vanish nor explode through the
    ~50 layers (PyTorch's default init shrinks them to ~0).

    Returns:
        str: ``path``.
    """
    generator = torch.Generator().manual_seed(seed)
    trunk = build_fid_inception_trunk()
    with torch.no_grad():
        for module in trunk.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.weight[0].numel()
                std = (2.0 / fan_in) ** 0.5
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * std)
    torch.save(trunk.state_dict(), path)
    return path


class FIDInceptionV3(nn.Module):
    """Inception pool3 features exactly as pytorch-fid computes them.

    Same block grouping as ``pytorch_fid.inception.InceptionV3`` with
    ``output_blocks=[3]``: input resized to 299x299 (bilinear, ``align_corners=False``),
    scaled from [0, 1] to [-1, 1], then four blocks ending in global average pooling.

    Args:
        weights (str, optional): weights file (``pt_inception-2015-12-05-6726825d.pth`` or a
            file saved by :func:`save_random_inception_weights`). ``None`` looks in the
            torch hub cache; a missing file raises ``FileNotFoundError``.
    """

    def __init__(self, weights: Optional[str] = None) -> None:
        super().__init__()
        self.weights_path = resolve_inception_weights(weights)
        trunk = build_fid_inception_trunk()
        try:
            trunk.load_state_dict(load_inception_state_dict(self.weights_path))
        except RuntimeError as error:  # other keys or shapes: another network's weights
                    raise EvaluationInputError(
                'these are not the FID Inception weights (keys or shapes differ from '
                f'pytorch-fid\'s InceptionV3: {str(error).splitlines()[0]})', self.weights_path,
                f'use {FID_WEIGHTS_FILENAME} from {FID_WEIGHTS_URL}') from None
        self.blocks = nn.ModuleList([
            nn.Sequential(trunk.Conv2d_1a_3x3, trunk.Conv2d_2a_3x3, trunk.Conv2d_2b_3x3,
                          nn.MaxPool2d(kernel_size=3, stride=2)),
            nn.Sequential(trunk.Conv2d_3b_1x1, trunk.Conv2d_4a_3x3,
                          nn.MaxPool2d(kernel_size=3, stride=2)),
            nn.Sequential(trunk.Mixed_5b, trunk.Mixed_5c, trunk.Mixed_5d, trunk.Mixed_6a,
                          trunk.Mixed_6b, trunk.Mixed_6c, trunk.Mixed_6d, trunk.Mixed_6e),
            nn.Sequential(trunk.Mixed_7a, trunk.Mixed_7b, trunk.Mixed_7c,
                          nn.AdaptiveAvgPool2d(output_size=(1, 1))),
        ])
        self.requires_grad_(False)
        self.eval()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Pool3 features.

        Args:
            images (Tensor): (N, 3, H, W) float in [0, 1].

        Returns:
            Tensor: (N, 2048) float32.
        """
        x = F.interpolate(images, size=FID_INPUT_SIZE, mode='bilinear', align_corners=False)
        x = 2 * x - 1
        for block in self.blocks:
            x = block(x)
        return x.flatten(1)


def inception_features(model: FIDInceptionV3, images: torch.Tensor,
                       batch_size: int = 50) -> np.ndarray:
    """Pool3 features of uint8 images, in batches, on the model's device.

    Images are scaled by 1/255 in float32 exactly as ``torchvision``'s ``ToTensor`` does;
    autocast is switched off so that features are float32 under any caller's autocast.

    Args:
        model (FIDInceptionV3): feature network.
        images (Tensor): (N, 3, H, W) uint8 RGB.
        batch_size (int): images per forward pass.

    Returns:
        np.ndarray: (N, 2048) float32.
    """
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8:
        raise TypeError('images must be a uint8 torch.Tensor of shape (N, 3, H, W), got '
                        f'{getattr(images, "dtype", type(images).__name__)}')
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f'images must have shape (N, 3, H, W), got {tuple(images.shape)}')
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    device = next(model.parameters()).device
    chunks = []
    with torch.inference_mode(), torch.autocast(device.type, enabled=False):
        for start in range(0, images.shape[0], batch_size):
            batch = images[start:start + batch_size].to(device).float().div(UINT8_MAX)
            chunks.append(model(batch).cpu())
    if not chunks:
        return np.empty((0, FID_FEATURE_DIM), dtype=np.float32)
    return torch.cat(chunks).numpy()
