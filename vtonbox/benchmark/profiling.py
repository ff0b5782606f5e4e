"""Per-module time split of one forward from the torch profiler.

Forward hooks open a ``torch.profiler.record_function`` region named after a module
group (encoders, FPNs or the pyramid backbones, correlation, flow nets, generator) around
each call of the group's modules; the profiler's total CPU time of each region, divided
by the number of profiled calls, is that group's time. ``other`` is what no group
covers (warping with ``grid_sample``, flow composition and upsampling, the composition
of the try-on). A model has the groups of :data:`KNOWN_MODULE_GROUPS` whose modules it
has (:func:`module_groups_of`). The profiler adds some overhead per operator, so use
the split for shares, and the timing loop for absolute speed.

The trace is CPU-only, so kineto's own log lines (``USDT ... profiler_start``, and on a
machine without a CUDA driver ``ERROR ... gpuGetDeviceCount failed with code 35``, printed
to stderr by the C++ library) say nothing about it: they are silenced through
``KINETO_LOG_LEVEL`` unless that variable is already set.
"""
import os
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

from .timing import synchronize

#: Group name -> module paths of PF-AFN's try-on (relative to the try-on model:
#: ``ParserFreeTryOn``, ``FastParserFreeTryOn``; a ``ModuleList`` stands for its children).
TRYON_MODULE_GROUPS: Dict[str, Tuple[str, ...]] = {
    'encoders': ('warp_model.cloth_encoder', 'warp_model.cond_encoder'),
    'fpn': ('warp_model.cloth_fpn', 'warp_model.cond_fpn'),
    'correlation': ('warp_model.warper.correlation',),
    'flow_nets': ('warp_model.warper.main_nets', 'warp_model.warper.refine_nets'),
    'generator': ('generator',),
}
#: The warp model's pyramids when it is built from one pyramid backbone per branch
#: (``FlowWarpModel(backbone=...)``, DM-VTON's mobile student) instead of encoders + FPNs.
BACKBONE_MODULE_GROUPS: Dict[str, Tuple[str, ...]] = {
    'backbones': ('warp_model.cloth_backbone', 'warp_model.cond_backbone'),
}
#: Every group the split looks for, in display order (see :func:`module_groups_of`).
KNOWN_MODULE_GROUPS: Dict[str, Tuple[str, ...]] = {
    'encoders': TRYON_MODULE_GROUPS['encoders'],
    'fpn': TRYON_MODULE_GROUPS['fpn'],
    **BACKBONE_MODULE_GROUPS,
    'correlation': TRYON_MODULE_GROUPS['correlation'],
    'flow_nets': TRYON_MODULE_GROUPS['flow_nets'],
    'generator': TRYON_MODULE_GROUPS['generator'],
}
LABEL_PREFIX = 'vtonbox::'
US_PER_MS = 1000.0
#: Kineto reads this variable when the first profiler starts in a process.
KINETO_LOG_ENV = 'KINETO_LOG_LEVEL'
#: Above kineto's highest message level (USDT = 5): nothing is printed.
QUIET_KINETO_LOG_LEVEL = '6'


def resolve_group_modules(root: nn.Module, path: str) -> List[nn.Module]:
    """The modules a group path stands for (the children of a ``ModuleList`` /
    ``ModuleDict``); AttributeError when ``root`` has no such submodule."""
    module = root.get_submodule(path)
    if isinstance(module, (nn.ModuleList, nn.ModuleDict)):
        return list(module.children())
    return [module]


def _has_submodule(root: nn.Module, path: str) -> bool:
    try:
        root.get_submodule(path)
    except AttributeError:
        return False
    return True


def module_groups_of(root: nn.Module,
                     candidates: Dict[str, Sequence[str]] = KNOWN_MODULE_GROUPS
                     ) -> Dict[str, Tuple[str, ...]]:
    """The groups of ``candidates`` that ``root`` has, each with the paths it has.

    PF-AFN's try-on gives :data:`TRYON_MODULE_GROUPS`; the mobile student (pyramid
    backbones) ``backbones`` instead of ``encoders`` and ``fpn``; a warper without a
    correlation (FS-VTON's style flow) has no ``correlation`` group.
    """
    groups = {}
    for name, paths in candidates.items():
        present = tuple(path for path in paths if _has_submodule(root, path))
        if present:
            groups[name] = present
    return groups


def _attach(root: nn.Module, groups: Dict[str, Sequence[str]], device: torch.device):
    handles = []
    for name, paths in groups.items():
        label = LABEL_PREFIX + name
        for path in paths:
            for module in resolve_group_modules(root, path):
                regions = []

                def enter(_module, _args, label=label, regions=regions):
                    synchronize(device)
                    region = record_function(label)
                    region.__enter__()
                    regions.append(region)

                def leave(_module, _args, _output, regions=regions):
                    synchronize(device)
                    regions.pop().__exit__(None, None, None)

                handles.append(module.register_forward_pre_hook(enter))
                handles.append(module.register_forward_hook(leave))
    return handles


def module_time_split(fn: Callable[[], object], root: nn.Module,
                      groups: Optional[Dict[str, Sequence[str]]] = None,
                      calls: int = 1,
                      device: Optional[Union[str, torch.device]] = None) -> Dict[str, float]:
    """Milliseconds per call spent in each module group, plus ``other`` and ``total``.

    Args:
        fn (callable): one forward of ``root`` (already warmed up).
        root (nn.Module): the model whose submodules ``groups`` names.
        groups (dict, optional): group name -> module paths; missing paths raise
            AttributeError. None: the groups ``root`` has (:func:`module_groups_of`).
        calls (int): profiled calls (averaged).
        device (str | torch.device, optional): the model's device (synchronised around
            regions on GPU). None means CPU.

    Returns:
        dict[str, float]: ``{group: ms, ..., 'other': ms, 'total': ms}``.
    """
    device = torch.device('cpu' if device is None else device)
    if groups is None:
        groups = module_groups_of(root)
    activities = [ProfilerActivity.CPU]
    os.environ.setdefault(KINETO_LOG_ENV, QUIET_KINETO_LOG_LEVEL)
    handles = _attach(root, groups, device)
    try:
        with profile(activities=activities) as prof:
            for _ in range(calls):
                with record_function(LABEL_PREFIX + 'total'):
                    fn()
                    synchronize(device)
    finally:
        for handle in handles:
            handle.remove()
    totals = {event.key: event.cpu_time_total for event in prof.key_averages()
              if event.key.startswith(LABEL_PREFIX)}
    split = {name: totals.get(LABEL_PREFIX + name, 0.0) / calls / US_PER_MS
             for name in groups}
    split['total'] = totals.get(LABEL_PREFIX + 'total', 0.0) / calls / US_PER_MS
    split['other'] = max(split['total'] - sum(split[name] for name in groups), 0.0)
    return split


def correlation_share_of_warp(split: Dict[str, float],
                              warp_excludes: Iterable[str] = ('generator',)) -> float:
    """Correlation time / warp-model time, where the warp-model time is the total minus
    the generator (it includes the composition of the try-on, < 1 %)."""
    warp = split['total'] - sum(split.get(name, 0.0) for name in warp_excludes)
    return split.get('correlation', 0.0) / warp if warp > 0 else float('nan')
