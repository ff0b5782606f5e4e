"""Weighted pixel-wise L1 loss, registered so that configs can name its weight."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from vtonbox.registry import MODELS

REDUCTIONS = ('mean', 'sum')


@MODELS.register_module()
class L1Loss(nn.Module):
    """``loss_weight * F.l1_loss(pred, target)`` computed in float32.

    Args:
        loss_weight (float): factor on the loss (e.g. 5 for the try-on L1 of PF-AFN's
            generator loss).
        reduction (str): ``'mean'`` or ``'sum'``.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'mean') -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        self.loss_weight = loss_weight
        self.reduction = reduction

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """pred, target (Tensor): same shape, e.g. (N, C, H, W) -> scalar."""
        if pred.shape != target.shape:
            raise ValueError(f'pred {tuple(pred.shape)} and target {tuple(target.shape)} '
                             'must have the same shape')
        return self.loss_weight * F.l1_loss(pred.float(), target.float(),
                                            reduction=self.reduction)
