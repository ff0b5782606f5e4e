"""FLOPs of one call of a model: ``torch.utils.flop_counter`` plus the correlation counted
analytically.

The flop counter sees matmuls and convolutions. The correlation is neither in the
reference formula (49 shifted products, elementwise) nor, in vtonbox's GEMM version, a
fair count (its band GEMMs compute ~(W + 6) / 7 times more products than the correlation
needs). So while counting, every :class:`Correlation` runs the shift formula (invisible
to the counter) and a forward hook adds its useful FLOPs, ``2 * N * C * (2d + 1)^2 * H *
W``, plus twice that when a backward pass runs through it (both input gradients). One
multiply-add is 2 FLOPs.

With ``groups`` (e.g. :func:`~vtonbox.benchmark.profiling.module_groups_of`), the FLOPs
are also split by module group (pyramids, correlation, flow nets, generator): forward
hooks read the running total when a group's module starts and ends.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, Optional, Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from vtonbox.models.ops.correlation import Correlation

from .profiling import resolve_group_modules

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
        by_group (dict[str, int]): FLOPs per module group plus ``'other'`` (what no
            group covers); empty unless groups were given.
    """

    total: int = 0
    by_operator: Dict[str, int] = field(default_factory=dict)
    by_group: Dict[str, int] = field(default_factory=dict)

    def per_item(self, items: int) -> float:
        """GFLOP per image of a call on ``items`` images."""
        return self.total / items / 1e9

    def per_item_by_group(self, items: int) -> Dict[str, float]:
        """GFLOP per image of each group (and ``'other'``) of a call on ``items`` images."""
        return {name: flops / items / 1e9 for name, flops in self.by_group.items()}


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


@contextmanager
def flops_by_group(module: nn.Module, groups: Dict[str, Sequence[str]],
                   running_total: Callable[[], int]) -> Iterator[Dict[str, int]]:
    """Within the block, the FLOPs counted while each group's modules run are added to
    the yielded ``{group: flops}``.

    Args:
        module (nn.Module): the root the group paths are relative to.
        groups (dict): group name -> module paths (disjoint; a ``ModuleList`` stands for
            its children).
        running_total (callable): the FLOPs counted so far.
    """
    by_group = dict.fromkeys(groups, 0)
    handles = []
    for name, paths in groups.items():
        for path in paths:
            for child in resolve_group_modules(module, path):
                starts = []

                def enter(_module, _args, starts=starts) -> None:
                    starts.append(running_total())

                def leave(_module, _args, _output, name=name, starts=starts) -> None:
                    by_group[name] += running_total() - starts.pop()

                handles.append(child.register_forward_pre_hook(enter))
                handles.append(child.register_forward_hook(leave))
    try:
        yield by_group
    finally:
        for handle in handles:
            handle.remove()


def count_flops(fn: Callable[[], object], module: nn.Module,
                groups: Optional[Dict[str, Sequence[str]]] = None) -> FlopCount:
    """Run ``fn`` once and count its FLOPs.

    Args:
        fn (callable): one call of the model (forward, or a whole train step).
        module (nn.Module): the model ``fn`` runs (its correlations are counted
            analytically).
        groups (dict, optional): group name -> module paths relative to ``module``
            (see :func:`~vtonbox.benchmark.profiling.module_groups_of`): also split the
            FLOPs by group (forward calls only).

    Returns:
        FlopCount: total, per-operator and (with ``groups``) per-group FLOPs.
    """
    counter = FlopCounterMode(display=False)
    with analytic_correlation(module) as correlation:
        # entered after the correlation hooks, so a group's end sees its correlation
        with flops_by_group(module, groups or {},
                            lambda: counter.get_total_flops() + correlation['flops']
                            ) as by_group, counter:
            fn()
    by_operator = {str(op): int(flops)
                   for op, flops in counter.get_flop_counts().get('Global', {}).items()}
    if correlation['flops']:
        by_operator['correlation (analytic)'] = correlation['flops']
    total = int(counter.get_total_flops()) + correlation['flops']
    if groups:
        by_group = {name: int(flops) for name, flops in by_group.items()}
        by_group['other'] = total - sum(by_group.values())
    return FlopCount(total, by_operator, by_group if groups else {})
