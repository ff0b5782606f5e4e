"""Seeded random inputs of the warping models and flow heads (tests/test_models/test_warpers)."""
from typing import List, Tuple

import torch
from torch import Tensor

#: Pyramid levels of the flow heads (FPN outputs at 1/2 ... 1/32 of the input).
NUM_LEVELS = 5


def warp_batch(size: Tuple[int, int] = (64, 64), batch: int = 2, cond_channels: int = 3
               ) -> Tuple[Tensor, Tensor, Tensor]:
    """``FlowWarpModel`` inputs (seed 0): condition ``(N, cond_channels, H, W)`` (normal),
    cloth ``(N, 3, H, W)`` in ``[-1, 1]``, cloth mask ``(N, 1, H, W)`` in ``{0, 1}``."""
    torch.manual_seed(0)
    cond = torch.randn(batch, cond_channels, *size)
    cloth = torch.rand(batch, 3, *size) * 2 - 1
    mask = (torch.rand(batch, 1, *size) > 0.5).float()
    return cond, cloth, mask


def feature_pyramids(channels: int = 8, size: Tuple[int, int] = (64, 64), batch: int = 2,
                     seed: int = 0) -> Tuple[List[Tensor], List[Tensor]]:
    """Cloth and condition FPN pyramids of a ``size`` input, fine -> coarse: level ``l``
    is ``(N, channels, H / 2 ** (l + 1), W / 2 ** (l + 1))`` (normal)."""
    torch.manual_seed(seed)
    shapes = [(batch, channels, size[0] >> (k + 1), size[1] >> (k + 1))
              for k in range(NUM_LEVELS)]
    return [torch.randn(s) for s in shapes], [torch.randn(s) for s in shapes]


def head_inputs(channels: int = 8, size: Tuple[int, int] = (64, 64), batch: int = 2,
                seed: int = 0) -> Tuple[Tensor, Tensor, List[Tensor], List[Tensor]]:
    """A flow head's inputs (one seeded stream): cloth ``(N, 3, H, W)`` in ``[-1, 1]``, mask
    ``(N, 1, H, W)`` in ``{0, 1}`` (70 % ones), cloth and condition pyramids as
    :func:`feature_pyramids`."""
    torch.manual_seed(seed)
    height, width = size
    cloth = torch.rand(batch, 3, height, width) * 2 - 1
    mask = (torch.rand(batch, 1, height, width) > 0.3).float()
    shapes = [(batch, channels, height >> s, width >> s) for s in range(1, NUM_LEVELS + 1)]
    return cloth, mask, [torch.randn(*s) for s in shapes], [torch.randn(*s) for s in shapes]
