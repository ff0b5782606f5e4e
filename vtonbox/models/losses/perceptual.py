"""VGG19 perceptual loss of PF-AFN (upstream ``VGGLoss``, after pix2pixHD).

The VGG19 weights are torchvision's ImageNet ``vgg19-dcbb9e9d.pth``. They are never
downloaded: pass ``weights=<path>`` or put the file in the torch hub cache
(``<torch.hub.get_dir()>/checkpoints/``). The network is frozen and kept out of the
owner's ``state_dict`` (it comes from that file, not from training checkpoints).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from vtonbox.registry import MODELS
from vtonbox.utils.frozen import FrozenModule

#: torchvision's ImageNet VGG19 checkpoint.
VGG19_WEIGHTS_FILE = 'vgg19-dcbb9e9d.pth'
#: torchvision VGG19 (config "E") ``features``: conv widths, 'M' = 2x2 max pool.
VGG19_CONFIG = (64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M',
                512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M')
#: PF-AFN's layers (pix2pixHD slices 0-1, 2-6, 7-11, 12-20, 21-29) and their weights.
DEFAULT_LAYERS = ('relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1')
DEFAULT_LAYER_WEIGHTS = (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0)
#: ImageNet statistics, only used with ``imagenet_normalize=True`` (not upstream).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
POOL_SIZE = 2


def default_vgg19_weights_path() -> str:
    """``<torch.hub.get_dir()>/checkpoints/vgg19-dcbb9e9d.pth``."""
    return osp.join(torch.hub.get_dir(), 'checkpoints', VGG19_WEIGHTS_FILE)


def vgg19_relu_indices() -> Dict[str, int]:
    """Map ``'reluB_K'`` (block B, conv K) to its index in torchvision ``vgg19().features``."""
    indices, index, block, conv = {}, 0, 1, 0
    for item in VGG19_CONFIG:
        if item == 'M':
            block, conv, index = block + 1, 0, index + 1
        else:
            conv += 1
            indices[f'relu{block}_{conv}'] = index + 1
            index += 2
    return indices


class KeepSizeOneMaxPool2d(nn.MaxPool2d):
    """2x2/2 max pooling that maps a size-1 dimension to size 1 instead of failing.

    PyTorch <= 1.1 (PF-AFN's version) computed the pooled size with truncating
    division, so a dimension of size 1 pooled to size 1 (the max of its single valid
    element); newer versions raise "Output size is too small". PF-AFN relies on the old
    behaviour: its 16x12 warp level reaches width 1 before ``pool4``. Replicating that
    dimension to 2 gives the same values; other sizes pool exactly as ``nn.MaxPool2d``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (Tensor): (N, C, H, W) -> (N, C, max(H // 2, 1), max(W // 2, 1))."""
        if x.shape[-2] == 1:
            x = x.expand(*x.shape[:-2], POOL_SIZE, x.shape[-1])
        if x.shape[-1] == 1:
            x = x.expand(*x.shape[:-1], POOL_SIZE)
        return super().forward(x)


def build_vgg19_features(last_index: int) -> nn.Sequential:
    """torchvision's ``vgg19().features[:last_index + 1]`` (same indices and shapes)."""
    layers: List[nn.Module] = []
    in_channels = 3
    for item in VGG19_CONFIG:
        if item == 'M':
            layers.append(KeepSizeOneMaxPool2d(kernel_size=POOL_SIZE, stride=POOL_SIZE))
        else:
            layers += [nn.Conv2d(in_channels, item, kernel_size=3, padding=1),
                       nn.ReLU(inplace=True)]
            in_channels = item
        if len(layers) > last_index:
            break
    return nn.Sequential(*layers[:last_index + 1])


def load_vgg19_features(features: nn.Sequential, path: str) -> None:
    """Load torchvision VGG19 weights into ``features`` (built by :func:`build_vgg19_features`).

    Accepts a full torchvision state dict (``features.<i>.weight``, classifier keys are
    ignored) or a ``features``-only one (``<i>.weight``).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'VGG19 weights not found at {path}. vtonbox never downloads weights: get '
            f"torchvision's ImageNet VGG19 file {VGG19_WEIGHTS_FILE} "
            f'(https://download.pytorch.org/models/{VGG19_WEIGHTS_FILE}) on a machine with '
            f'internet and put it in {osp.dirname(path) or "."} (default: the torch hub '
            f'cache {osp.dirname(default_vgg19_weights_path())}), or pass weights=<path> '
            'to the loss config.')
    state = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(state, dict):
        raise TypeError(f'{path} must hold a state dict, got {type(state).__name__}')
    selected, missing = {}, []
    for key in features.state_dict():
        for candidate in (f'features.{key}', key):
            if candidate in state:
                selected[key] = state[candidate]
                break
        else:
            missing.append(f'features.{key}')
    if missing:
        raise KeyError(f'{path} is not a torchvision VGG19 state dict: missing {missing}')
    features.load_state_dict(selected)


class FrozenVGG19(FrozenModule):
    """Frozen VGG19 feature extractor returning the activations of named ReLUs.

    Parameters have ``requires_grad=False``, the module stays in eval mode whatever
    ``train()`` is called with, and its tensors are excluded from the owner's
    ``state_dict`` (loading a checkpoint leaves them untouched).

    Args:
        layers (Sequence[str]): ReLU names, e.g. ``('relu1_1', 'relu5_1')``.
        weights (str, optional): torchvision VGG19 weights file; default
            :func:`default_vgg19_weights_path`.
        pretrained (bool): load the weights; False keeps the random init (tests).
    """

    def __init__(self, layers: Sequence[str] = DEFAULT_LAYERS, weights: Optional[str] = None,
                 pretrained: bool = True) -> None:
        super().__init__()
        relu_indices = vgg19_relu_indices()
        unknown = [name for name in layers if name not in relu_indices]
        if not layers or unknown or len(set(layers)) != len(layers):
            raise ValueError('layers must be distinct names from '
                             f'{list(relu_indices)}, got {list(layers)}')
        self.layer_indices = [relu_indices[name] for name in layers]
        self.features = build_vgg19_features(max(self.layer_indices))
        if pretrained:
            load_vgg19_features(self.features, weights or default_vgg19_weights_path())
        self.freeze()

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """x (Tensor): (N, 3, H, W) -> one (N, C_l, H_l, W_l) feature per layer."""
        outputs = {}
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.layer_indices:
                outputs[index] = x
        return [outputs[index] for index in self.layer_indices]


@MODELS.register_module()
class VGGPerceptualLoss(nn.Module):
    """Weighted L1 distance between frozen VGG19 features of prediction and target.

    ``loss = loss_weight * sum_l w_l * mean|phi_l(pred) - phi_l(target)|`` with target
    features detached. Upstream feeds images in [-1, 1] without ImageNet
    normalisation; ``imagenet_normalize=True`` maps [-1, 1] to ImageNet statistics instead.

    Args:
        layers (Sequence[str]): VGG19 ReLUs; default relu1_1 ... relu5_1 (upstream).
        layer_weights (Sequence[float]): one weight per layer; default
            1/32, 1/16, 1/8, 1/4, 1 (upstream).
        loss_weight (float): factor on the total.
        weights (str, optional): torchvision ``vgg19-dcbb9e9d.pth``; default the torch
            hub cache file (see :func:`default_vgg19_weights_path`). Never downloaded.
        pretrained (bool): False keeps a random VGG (tests only).
        imagenet_normalize (bool): normalise inputs with ImageNet mean/std (not
            upstream).
    """

    def __init__(self, layers: Sequence[str] = DEFAULT_LAYERS,
                 layer_weights: Sequence[float] = DEFAULT_LAYER_WEIGHTS,
                 loss_weight: float = 1.0, weights: Optional[str] = None,
                 pretrained: bool = True, imagenet_normalize: bool = False) -> None:
        super().__init__()
        if len(layer_weights) != len(layers):
            raise ValueError(f'layer_weights needs one weight per layer ({len(layers)}), '
                             f'got {len(layer_weights)}')
        self.layer_weights = tuple(float(w) for w in layer_weights)
        self.loss_weight = loss_weight
        self.imagenet_normalize = imagenet_normalize
        self.vgg = FrozenVGG19(layers, weights, pretrained)
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1),
                             persistent=False)

    def _prepare(self, image: torch.Tensor) -> torch.Tensor:
        if not self.imagenet_normalize:
            return image
        return ((image + 1) / 2 - self.mean.to(image.dtype)) / self.std.to(image.dtype)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): (N, 3, H, W) in [-1, 1]; gradients flow back to it.
            target (Tensor): (N, 3, H, W) in [-1, 1]; treated as a constant.

        Returns:
            Tensor: scalar, float32.
        """
        if pred.ndim != 4 or pred.shape[1] != 3 or pred.shape != target.shape:
            raise ValueError('pred and target must both be (N, 3, H, W), got '
                             f'{tuple(pred.shape)} and {tuple(target.shape)}')
        pred_features = self.vgg(self._prepare(pred))
        with torch.no_grad():
            target_features = self.vgg(self._prepare(target.detach()))
        loss = pred.new_zeros((), dtype=torch.float32)
        for weight, fp, ft in zip(self.layer_weights, pred_features, target_features):
            loss = loss + weight * F.l1_loss(fp.float(), ft.float())
        return self.loss_weight * loss
