"""LPIPS (Zhang et al. 2018) with the AlexNet backbone, built offline from the ``lpips``
package.

``lpips.LPIPS(net='alex')`` asks torchvision for the ImageNet AlexNet, which downloads
it when it is not in the torch hub cache. vtonbox builds the same network with a random
trunk (``pnet_rand=True``: nothing is downloaded), keeps the package's calibrated linear
heads (``lpips/weights/v0.1/alex.pth``, shipped in its wheel) and loads the AlexNet
``features`` weights itself from a local file: ``backbone_weights=`` or torchvision's
hub cache name (``<torch.hub.get_dir()>/checkpoints/alexnet-owt-7be5be79.pth``). The
result is ``lpips.LPIPS(net='alex', version='0.1')`` with the ImageNet trunk, so values
agree with the ``lpips`` package.

Inputs are uint8 RGB images mapped to [-1, 1] as ``ToTensor()`` + ``Normalize(0.5, 0.5)``
do. Two conventions (:data:`LPIPS_RESIZE_CONVENTIONS`):

* full resolution (``resize=None``, default): the images as evaluated;
* HR-VITON's ``resize=(128, 128)``: both images resized first with PIL bilinear
  (``Image.resize(..., Image.BILINEAR)``, antialiased when downscaling, rounded to uint8),
  which is what HR-VITON's ``evaluate.py`` does with ``transforms.Resize((128, 128))`` on
  PIL images.
"""
import warnings
from importlib.metadata import PackageNotFoundError, version
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from PIL import Image

from ..errors import EvaluationInputError
from .weight_files import LocalWeights

#: The torchvision ImageNet AlexNet the ``lpips`` package uses as its trunk (torchvision's
#: ``AlexNet_Weights.IMAGENET1K_V1.url``, restated so that importing this module does not
#: import torchvision; a test checks that the two agree).
ALEXNET_WEIGHTS_URL = 'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth'
#: How the metric is given another weights file (quoted in the errors).
ALEXNET_WEIGHTS_OPTION = 'backbone_weights=PATH to the LPIPS metric'
#: The weights file, read from torchvision's place in the torch hub cache.
ALEXNET_WEIGHTS = LocalWeights('LPIPS AlexNet weights', ALEXNET_WEIGHTS_URL, 'torchvision',
                               ALEXNET_WEIGHTS_OPTION)
#: File name torchvision stores it under in the torch hub cache.
ALEXNET_WEIGHTS_FILENAME = ALEXNET_WEIGHTS.filename
#: Backbone and linear-head version of the ``lpips`` package used.
LPIPS_NET = 'alex'
LPIPS_HEADS_VERSION = '0.1'
#: HR-VITON's LPIPS input size (H, W).
HRVITON_LPIPS_SIZE = (128, 128)
#: How each convention prepares the images (recorded with the number).
LPIPS_RESIZE_CONVENTIONS = {
    None: 'full resolution (no resize); uint8 RGB -> [-1, 1]',
    'resize': ('PIL bilinear resize of both uint8 images to (H, W) = {size} (antialiased, '
               'rounded to uint8; HR-VITON evaluate.py transforms.Resize on PIL images), '
               'then uint8 RGB -> [-1, 1]'),
}
#: torchvision ``alexnet.features`` index of each conv layer -> its ``lpips`` slice.
_ALEX_CONV_SLICES = {0: 1, 3: 2, 6: 3, 8: 4, 10: 5}

__all__ = [
    'ALEXNET_WEIGHTS_FILENAME', 'ALEXNET_WEIGHTS_URL', 'HRVITON_LPIPS_SIZE', 'LPIPS_NET',
    'lpips_version', 'lpips_protocol', 'lpips_metric_key', 'lpips_provenance',
    'default_alexnet_weights_path', 'alexnet_weights_todo',
    'resolve_alexnet_weights', 'load_alexnet_backbone', 'build_lpips_alex',
    'lpips_input', 'lpips_distance', 'save_random_alexnet_weights'
]


def lpips_version() -> str:
    """Version of the installed ``lpips`` package (it has no ``__version__``)."""
    try:
        return version('lpips')
    except PackageNotFoundError:  # pragma: no cover - imported from a source tree
        return 'unknown'


def lpips_protocol(resize: Optional[Sequence[int]] = None) -> str:
    """Description of one convention, e.g. for ``resize=(128, 128)``."""
    if resize is None:
        return LPIPS_RESIZE_CONVENTIONS[None]
    return LPIPS_RESIZE_CONVENTIONS['resize'].format(size=tuple(int(s) for s in resize))


def lpips_metric_key(resize: Optional[Sequence[int]] = None) -> str:
    """Key of the value: ``'LPIPS'`` at full resolution, ``'LPIPS@128x128'`` for
    ``resize=(128, 128)``."""
    if resize is None:
        return 'LPIPS'
    height, width = (int(s) for s in resize)
    return f'LPIPS@{height}x{width}'


def lpips_provenance(weights_file: str, resize: Optional[Sequence[int]] = None) -> dict:
    """What an LPIPS value depends on (for the JSON record): ``net``, ``heads_version``,
    ``implementation``, ``resize``, ``description`` and ``weights_file``."""
    return dict(net=LPIPS_NET, heads_version=LPIPS_HEADS_VERSION,
                implementation=f'lpips {lpips_version()}',
                resize=[int(s) for s in resize] if resize is not None else None,
                description=lpips_protocol(resize), weights_file=weights_file)


def default_alexnet_weights_path() -> str:
    """Where torchvision keeps the AlexNet: ``<torch.hub.get_dir()>/checkpoints/<file>``."""
    return ALEXNET_WEIGHTS.default_path()


def alexnet_weights_todo(option: str = ALEXNET_WEIGHTS_OPTION,
                         missing: Optional[str] = None) -> str:
    """What to do about missing AlexNet weights (the "what to do" of the error).

    Args:
        option (str): how the caller passes another weights file.
        missing (str, optional): the file looked for (the hub path is not repeated then).
    """
    return ALEXNET_WEIGHTS.todo(option, missing)


def resolve_alexnet_weights(path: Optional[str] = None,
                            option: str = ALEXNET_WEIGHTS_OPTION) -> str:
    """Absolute path of the AlexNet backbone weights; never downloads.

    Raises:
        EvaluationFileNotFoundError: (a ``FileNotFoundError``) naming the file, where to
            put it and where to get it.
    """
    return ALEXNET_WEIGHTS.resolve(path, option)


def load_alexnet_backbone(path: str) -> dict:
    """The ``lpips`` trunk state dict (``slice<k>.<i>.weight``) of a torchvision AlexNet
    file (``features.<i>.weight``; the classifier is ignored).

    Raises:
        EvaluationInputError: empty, corrupt, or not an AlexNet state dict.
    """
    state_dict = ALEXNET_WEIGHTS.load_state_dict(path)
    todo = ALEXNET_WEIGHTS.refetch_todo()
    trunk = {}
    for index, piece in _ALEX_CONV_SLICES.items():
        for kind in ('weight', 'bias'):
            key = f'features.{index}.{kind}'
            if key not in state_dict:
                raise EvaluationInputError(f'LPIPS AlexNet weights lack {key!r} (not a '
                                           'torchvision AlexNet)', path, todo)
            trunk[f'slice{piece}.{index}.{kind}'] = state_dict[key]
    return trunk


def build_lpips_alex(backbone_weights: Optional[str] = None,
                     device: Union[str, torch.device] = 'cpu') -> torch.nn.Module:
    """``lpips.LPIPS(net='alex', version='0.1')`` with its ImageNet trunk from a local file.

    Args:
        backbone_weights (str, optional): torchvision AlexNet file; None = the hub cache.
        device: where the network lives.

    Raises:
        EvaluationFileNotFoundError: the weights file is missing.
        EvaluationInputError: it is not a usable AlexNet file.
    """
    import lpips
    path = resolve_alexnet_weights(backbone_weights)
    trunk = load_alexnet_backbone(path)
    with warnings.catch_warnings():  # lpips passes torchvision's deprecated `pretrained`
        warnings.simplefilter('ignore', UserWarning)
        model = lpips.LPIPS(pretrained=True, net=LPIPS_NET, version=LPIPS_HEADS_VERSION,
                            pnet_rand=True, verbose=False)
    try:
        model.net.load_state_dict(trunk, strict=True)
    except RuntimeError as error:  # shapes differ: another network's features
        raise EvaluationInputError('LPIPS AlexNet weights do not fit the AlexNet trunk', path,
                                   f'fetch {ALEXNET_WEIGHTS_FILENAME} from '
                                   f'{ALEXNET_WEIGHTS_URL}') from error
    model.weights_path = path
    return model.eval().requires_grad_(False).to(device)


def _check_rgb(name: str, image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'{name} must be a uint8 (H, W, 3) RGB array, got {image.dtype} '
                         f'{image.shape}')
    return image


def lpips_input(image: np.ndarray, resize: Optional[Sequence[int]] = None,
                device: Union[str, torch.device] = 'cpu') -> torch.Tensor:
    """(1, 3, H, W) float tensor in [-1, 1] of a uint8 (H, W, 3) RGB image.

    Args:
        image (np.ndarray): uint8 RGB.
        resize ((int, int), optional): (H, W) to resize to first (PIL bilinear).
        device: where the tensor goes.
    """
    image = _check_rgb('image', image)
    if resize is not None:
        height, width = (int(s) for s in resize)
        image = np.array(Image.fromarray(image).resize((width, height), Image.BILINEAR))
    tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float().div(255)
    return tensor.sub(0.5).div(0.5)[None].to(device)


@torch.no_grad()
def lpips_distance(model: torch.nn.Module, pred: np.ndarray, gt: np.ndarray,
                   resize: Optional[Tuple[int, int]] = None) -> float:
    """LPIPS of one image pair (lower = more similar).

    Args:
        model: from :func:`build_lpips_alex` (or any ``lpips.LPIPS``).
        pred (np.ndarray): (H, W, 3) uint8 RGB generated image.
        gt (np.ndarray): (H, W, 3) uint8 RGB ground truth, same size.
        resize ((int, int), optional): (H, W), e.g. HR-VITON's ``(128, 128)``; None = full
            resolution.

    Returns:
        float: the distance (>= 0).
    """
    pred, gt = _check_rgb('pred', pred), _check_rgb('gt', gt)
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt differ in size: {pred.shape} vs {gt.shape}')
    device = next(model.parameters()).device
    return float(model(lpips_input(pred, resize, device), lpips_input(gt, resize, device)).item())


def save_random_alexnet_weights(path: str, seed: int = 0) -> str:
    """Save a randomly initialised torchvision AlexNet like ``alexnet-owt-7be5be79.pth``
    (for tests: the real file cannot be downloaded there); returns ``path``."""
    import torchvision

    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = torchvision.models.alexnet(weights=None)
    finally:
        torch.random.set_rng_state(generator_state)
    torch.save(model.state_dict(), path)
    return path
