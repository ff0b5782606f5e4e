"""Appearance-flow helpers: sampling grids, flow composition, warping, upsampling.

Conventions (identical to PF-AFN, whose upstream ran torch 1.1):

* A *flow* is an **absolute normalised sampling grid**, channel-first ``(N, 2, H, W)``,
  channel 0 = x (column), channel 1 = y (row), in ``[-1, 1]`` with the
  ``align_corners=True`` convention (``-1`` / ``+1`` are the centres of the first / last
  pixel). It is never stored as a displacement.
* Every ``grid_sample`` uses ``align_corners=True`` (torch 1.1 had no flag and behaved
  so); flows are upsampled with ``interpolate(bilinear, align_corners=False)`` (the torch
  1.1 default). Mixing these up shifts flows by sub-pixel amounts.
* Flows and grids are kept in float32 even under autocast: bf16 cannot resolve
  sub-pixel positions of a 192-wide image (8 mantissa bits).
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

#: ``grid_sample`` and ``apply_offset`` use the align_corners=True convention.
GRID_ALIGN_CORNERS = True
#: Bilinear flow / image resizing uses align_corners=False (torch >= 0.4 default).
RESIZE_ALIGN_CORNERS = False


def _check_flow(flow: Tensor, name: str = 'flow') -> None:
    if not isinstance(flow, Tensor):
        raise TypeError(f'{name} must be a Tensor, got {type(flow).__name__}')
    if flow.ndim != 4 or flow.shape[1] != 2:
        raise ValueError(f'{name} must have shape (N, 2, H, W), got {tuple(flow.shape)}')


def identity_grid(batch: int, height: int, width: int,
                  device: Optional[Union[str, torch.device]] = None,
                  dtype: torch.dtype = torch.float32) -> Tensor:
    """The flow that samples every pixel at itself.

    Returns:
        Tensor: ``(batch, 2, height, width)`` absolute normalised grid (x, y).
    """
    zeros = torch.zeros(batch, 2, height, width, device=device, dtype=dtype)
    return apply_offset(zeros).permute(0, 3, 1, 2)


def apply_offset(offset: Tensor) -> Tensor:
    """Turn pixel offsets into an absolute normalised sampling grid.

    ``x = (column + offset_x) / ((W - 1) / 2) - 1`` and likewise for y (the
    ``align_corners=True`` convention of upstream ``apply_offset``). Computed in float32.

    Args:
        offset (Tensor): ``(N, 2, H, W)`` offsets in pixels of this resolution,
            channel 0 = x, channel 1 = y. ``H, W >= 2``.

    Returns:
        Tensor: ``(N, H, W, 2)`` grid for ``grid_sample`` (x, y), float32.
    """
    _check_flow(offset, 'offset')
    height, width = offset.shape[-2:]
    if height < 2 or width < 2:
        raise ValueError(f'apply_offset needs H, W >= 2 (normalises by (S - 1) / 2), '
                         f'got {height}x{width}')
    offset = offset.float()
    rows = torch.arange(height, device=offset.device, dtype=offset.dtype)
    cols = torch.arange(width, device=offset.device, dtype=offset.dtype)
    grid_x = (cols.view(1, 1, width) + offset[:, 0]) / ((width - 1) / 2) - 1
    grid_y = (rows.view(1, height, 1) + offset[:, 1]) / ((height - 1) / 2) - 1
    return torch.stack((grid_x, grid_y), dim=-1)


def warp(image: Tensor, flow: Tensor, padding_mode: str = 'border') -> Tensor:
    """Bilinearly sample ``image`` at the positions given by ``flow``.

    Args:
        image (Tensor): ``(N, C, h, w)``; any float dtype (sampled in float32 when the
            flow is float32, the autocast policy of ``grid_sample`` on CPU).
        flow (Tensor): ``(N, 2, H, W)`` absolute normalised grid (x, y).
        padding_mode (str): ``'border'`` for images/features, ``'zeros'`` for masks.

    Returns:
        Tensor: ``(N, C, H, W)``.
    """
    _check_flow(flow)
    grid = flow.permute(0, 2, 3, 1)
    if image.dtype != grid.dtype:
        dtype = torch.promote_types(image.dtype, grid.dtype)
        image, grid = image.to(dtype), grid.to(dtype)
    return F.grid_sample(image, grid, mode='bilinear', padding_mode=padding_mode,
                         align_corners=GRID_ALIGN_CORNERS)


def compose_flows(previous: Tensor, grid: Tensor) -> Tensor:
    """Compose a new sampling grid with the previous flow (upstream step 5).

    The result samples ``previous`` at the positions of ``grid`` (bilinear, border),
    i.e. first move by ``grid``, then by ``previous``.

    Args:
        previous (Tensor): ``(N, 2, H, W)`` flow of the same resolution.
        grid (Tensor): ``(N, H, W, 2)`` grid from :func:`apply_offset`.

    Returns:
        Tensor: ``(N, 2, H, W)`` composed flow.
    """
    _check_flow(previous, 'previous')
    return warp(previous, grid.permute(0, 3, 1, 2), padding_mode='border')


def resize_flow(flow: Tensor, size: Tuple[int, int]) -> Tensor:
    """Bilinearly resize an absolute normalised flow (``align_corners=False``).

    Values need no rescaling: they are normalised coordinates, not pixels.

    Args:
        flow (Tensor): ``(N, 2, h, w)``.
        size (tuple[int, int]): output ``(H, W)``.

    Returns:
        Tensor: ``(N, 2, H, W)``.
    """
    _check_flow(flow)
    return F.interpolate(flow, size=tuple(size), mode='bilinear',
                         align_corners=RESIZE_ALIGN_CORNERS)


def resize_image(image: Tensor, size: Tuple[int, int]) -> Tensor:
    """Bilinear resize (``align_corners=False``, no antialias) as upstream's targets.

    Args:
        image (Tensor): ``(N, C, h, w)``.
        size (tuple[int, int]): output ``(H, W)``.

    Returns:
        Tensor: ``(N, C, H, W)``; the input itself when the size already matches.
    """
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(image, size=tuple(size), mode='bilinear',
                         align_corners=RESIZE_ALIGN_CORNERS)
