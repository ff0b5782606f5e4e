"""FLOPs of one call of a model: ``torch.utils.flop_counter`` plus the correlation counted
analytically.

The flop counter sees matmuls and convolutions. The correlation is neither in the
reference formula (49 shifted products, elementwise) nor, in vtonbox's GEMM version, a
fair count (its band GEMMs compute ~(W + 6) / 7 times more products than the correlation
needs). So while counting, every :class:`Correlation` runs the shift formula (invisible
to the counter) and a forward hook adds its useful FLOPs, ``2 * N * C * (2d + 1)^2 * H *
W``, plus twice that when a backward pass runs through it (both input gradients). One
multiply-add is 2 FLOPs.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from vtonbox.models.ops.correlation import Correlation

FLOPS_PER_MAC = 2
#: The backward of the correlation (gradients of both inputs) ~ 2x its forward.
BACKWARD_FACTOR = 2


@dataclass
class FlopCount:
    """FLOPs of one call.

    Attributes:
        total (int): all counted FLOPs.
        by_operator (dict[str, int]): counter FLOPs per aten operator plus
            ``'correlation (analytic)'``.
    """

    total: int = 0
    by_operator: Dict[str, int] = field(default_factory=dict)

    def per_item(self, items: int) -> float:
        """GFLOP per image of a call on ``items`` images."""
        return self.total / items / 1e9


def correlation_flops(first: torch.Tensor, out_channels: int) -> int:
    """Useful FLOPs of one correlation call on ``(N, C, H, W)`` features."""
    batch, channels, height, width = first.shape
    return FLOPS_PER_MAC * batch * channels * out_channels * height * width


@contextmanager
def analytic_correlation(module: nn.Module) -> Iterator[Dict[str, int]]:
    """Within the block, every :class:`Correlation` in ``module`` runs the shift formula
    and adds its analytic FLOPs to the yielded ``{'flops': n}``."""
    counter = {'flops': 0}
    saved, handles = [], []

    def hook(correlation: Correlation, args, output) -> None:
        flops = correlation_flops(args[0], correlation.out_channels)
        counter['flops'] += flops
        if output.requires_grad:  # counted when the backward really runs
            def backward(grad):
                counter['flops'] += BACKWARD_FACTOR * flops
            output.register_hook(backward)

    for child in module.modules():
        if isinstance(child, Correlation):
            saved.append((child, child.implementation))
            child.implementation = 'shift'
            handles.append(child.register_forward_hook(hook))
    try:
        yield counter
    finally:
        for handle in handles:
            handle.remove()
        for child, implementation in saved:
            child.implementation = implementation


def count_flops(fn: Callable[[], object], module: nn.Module) -> FlopCount:
    """Run ``fn`` once and count its FLOPs.

    Args:
        fn (callable): one call of the model (forward, or a whole train step).
        module (nn.Module): the model ``fn`` runs (its correlations are counted
            analytically).

    Returns:
        FlopCount: total and per-operator FLOPs.
    """
    counter = FlopCounterMode(display=False)
    with analytic_correlation(module) as correlation, counter:
        fn()
    by_operator = {str(op): int(flops)
                   for op, flops in counter.get_flop_counts().get('Global', {}).items()}
    if correlation['flops']:
        by_operator['correlation (analytic)'] = correlation['flops']
    return FlopCount(int(counter.get_total_flops()) + correlation['flops'], by_operator)
