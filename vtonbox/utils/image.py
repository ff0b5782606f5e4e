"""Conversions between model tensors and uint8 images."""
import torch


def to_uint8_image(tensor: torch.Tensor, value_range: str = 'signed') -> torch.Tensor:
    """Map a float image tensor to uint8 ``[0, 255]`` with rounding.

    Args:
        tensor (Tensor): ``(..., C, H, W)`` float tensor.
        value_range (str): ``'signed'`` for images in ``[-1, 1]`` (model outputs)
            or ``'unit'`` for masks in ``[0, 1]``.

    Returns:
        Tensor: same shape, ``torch.uint8``, on the same device.
    """
    if value_range == 'signed':
        tensor = (tensor.float() + 1.0) * 127.5
    elif value_range == 'unit':
        tensor = tensor.float() * 255.0
    else:
        raise ValueError(f"value_range must be 'signed' or 'unit', got {value_range!r}")
    return tensor.round().clamp_(0, 255).to(torch.uint8)


def to_signed_float(image: torch.Tensor) -> torch.Tensor:
    """Map a uint8 image tensor ``[0, 255]`` to float32 in ``[-1, 1]``."""
    return image.float() / 127.5 - 1.0
