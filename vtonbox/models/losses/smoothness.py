"""Flow regularisers of PF-AFN's warping loss (docs/advanced_guides/losses.md).

* :class:`SecondOrderSmoothLoss`: generalised Charbonnier penalty on the second
  differences of each level's flow (the warper's ``level_flow_diffs``).
* :class:`TotalVariationLoss`: first-order TV on the per-level flow offsets (``deltas``).
"""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from vtonbox.registry import MODELS

TensorOrList = Union[torch.Tensor, Sequence[torch.Tensor]]


def _as_list(name: str, value: TensorOrList) -> List[torch.Tensor]:
    values = [value] if isinstance(value, torch.Tensor) else list(value)
    if not values or not all(isinstance(v, torch.Tensor) for v in values):
        raise TypeError(f'{name} must be a Tensor or a non-empty sequence of Tensors')
    return values


@MODELS.register_module()
class SecondOrderSmoothLoss(nn.Module):
    """Generalised Charbonnier penalty on the flow's second differences.

    For one level with differences ``d`` of shape (N, 2, K, h, w) (the x and y flow
    channels, K = 4 second-difference filters each, valid convolution) the term is
    ``sum_c sum((d_c**2 + eps**2)**alpha) / numel(d_c)``, i.e. upstream's
    ``loss_flow_x + loss_flow_y`` with each normalised by ``N * K * h * w``. It is
    ``|d|**(2 * alpha)`` for ``|d| >> eps`` and has the floor ``2 * eps**(2 * alpha)``
    (about 0.004 with the defaults) when the flow is affine (all ``d = 0``).

    Args:
        eps (float): Charbonnier epsilon (upstream 0.001).
        alpha (float): exponent on ``d**2 + eps**2`` (upstream 0.45).
        level_weights (Sequence[float], optional): weights when called with a list of
            levels (one per level); all 1 when None.
        loss_weight (float): factor on the total.
    """

    def __init__(self, eps: float = 1e-3, alpha: float = 0.45,
                 level_weights: Optional[Sequence[float]] = None, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eps = eps
        self.alpha = alpha
        self.level_weights = None if level_weights is None else tuple(level_weights)
        self.loss_weight = loss_weight

    def level_term(self, flow_diffs: torch.Tensor) -> torch.Tensor:
        """Unweighted term of one level.

        Args:
            flow_diffs (Tensor): (N, 2, K, h, w) second differences of the x / y channels.

        Returns:
            Tensor: scalar, float32.
        """
        if flow_diffs.ndim != 5 or flow_diffs.shape[1] != 2:
            raise ValueError('flow_diffs must be (N, 2, K, h, w) (x / y channel, filter), '
                             f'got {tuple(flow_diffs.shape)}')
        penalty = (flow_diffs.float().pow(2) + self.eps ** 2).pow(self.alpha)
        return penalty.transpose(0, 1).flatten(1).mean(dim=1).sum()

    def forward(self, flow_diffs: TensorOrList) -> torch.Tensor:
        """Compute the loss.

        Args:
            flow_diffs (Tensor | Sequence[Tensor]): one (N, 2, K, h, w) tensor or a list
                of them, one per level.

        Returns:
            Tensor: scalar, ``loss_weight * sum_l level_weight_l * term_l``.
        """
        levels = _as_list('flow_diffs', flow_diffs)
        weights = self.level_weights or (1.0, ) * len(levels)
        if len(weights) != len(levels):
            raise ValueError(f'level_weights has {len(weights)} entries but '
                             f'{len(levels)} levels were given')
        loss = sum(w * self.level_term(d) for w, d in zip(weights, levels))
        return self.loss_weight * loss


@MODELS.register_module()
class TotalVariationLoss(nn.Module):
    """``mean|x[..., 1:, :] - x[..., :-1, :]| + mean|x[..., 1:] - x[..., :-1]|``.

    Called with a list, the terms of all tensors are summed (upstream sums the TV of
    all 10 flow offsets of the warper).

    Args:
        loss_weight (float): factor on the total.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    @staticmethod
    def term(x: torch.Tensor) -> torch.Tensor:
        """x (Tensor): (N, C, H, W) -> scalar float32 TV term."""
        if x.ndim != 4 or x.shape[-1] < 2 or x.shape[-2] < 2:
            raise ValueError(f'TotalVariationLoss expects (N, C, H, W) with H, W >= 2, '
                             f'got {tuple(x.shape)}')
        x = x.float()
        vertical = (x[..., 1:, :] - x[..., :-1, :]).abs().mean()
        horizontal = (x[..., 1:] - x[..., :-1]).abs().mean()
        return vertical + horizontal

    def forward(self, x: TensorOrList) -> torch.Tensor:
        """x (Tensor | Sequence[Tensor]): (N, C, H, W) tensor(s) -> scalar loss."""
        return self.loss_weight * sum(self.term(t) for t in _as_list('x', x))
