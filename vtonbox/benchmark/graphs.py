"""The graphs the inference benchmark can time, all called as ``fn(person, cloth,
cloth_mask) -> try-on``:

* ``fast``: :func:`vtonbox.deploy.optimize_for_inference` (BN folding, upsample-conv
  fusion, channels_last, bf16 with fp32 islands, cloth-branch reuse, optional compile);
* ``model``: the model as built (``tensor_forward``), optionally channels_last and under
  plain ``torch.autocast`` (what "naive autocast" means in the docs);
* ``reference``: the model as built with the 49-shift correlation (the baseline).
"""
import copy
from contextlib import nullcontext
from typing import Callable, NamedTuple, Optional

import torch
from torch import Tensor, nn

from vtonbox.deploy import PRECISION_DTYPES, optimize_for_inference, resolve_precision

from .reference_graph import ReferenceTryOn

GRAPHS = ('fast', 'model', 'reference')


class BuiltGraph(NamedTuple):
    """A graph ready to time.

    Attributes:
        fn (callable): ``fn(person, cloth, cloth_mask) -> (N, 3, H, W)``.
        precision (str): the precision it really runs (after the CPU capability check).
        profile_root (nn.Module | None): the module whose submodules the time split
            hooks (None when the graph cannot be split, e.g. compiled).
        flops_root (nn.Module | None): module to count executed FLOPs on.
        channels_last (bool): whether inputs should be given channels_last.
    """

    fn: Callable[..., Tensor]
    precision: str
    profile_root: Optional[nn.Module]
    flops_root: Optional[nn.Module]
    channels_last: bool


def _autocast(device: torch.device, precision: str):
    if precision == 'fp32':
        return nullcontext()
    return torch.autocast(device.type, dtype=PRECISION_DTYPES[precision])


def _plain_graph(module: nn.Module, device: torch.device, precision: str,
                 channels_last: bool) -> Callable[..., Tensor]:
    if channels_last:
        module.to(memory_format=torch.channels_last)

    def run(person: Tensor, cloth: Tensor, cloth_mask: Tensor) -> Tensor:
        with _autocast(device, precision):
            return module.tensor_forward(dict(person=person, cloth=cloth,
                                              cloth_mask=cloth_mask))
    return run


def build_graph(model: nn.Module, graph: str = 'fast', precision: str = 'fp32',
                channels_last: bool = True, compile: bool = False) -> BuiltGraph:
    """Prepare one of :data:`GRAPHS` from ``model`` (which is not modified).

    Args:
        model (nn.Module): a parser-free try-on model in eval mode.
        graph (str): ``'fast'``, ``'model'`` or ``'reference'``.
        precision (str): ``'fp32'``, ``'bf16'`` or ``'fp16'`` (bf16 on a CPU without
            native support falls back to fp32 with a warning).
        channels_last (bool): channels_last activations and weights.
        compile (bool): ``torch.compile`` the graph.

    Returns:
        BuiltGraph: the callable and what it really runs.
    """
    if graph not in GRAPHS:
        raise ValueError(f'graph must be one of {GRAPHS}, got {graph!r}')
    device = next(model.parameters()).device
    precision = resolve_precision(precision, device)
    if graph == 'fast':
        fast = optimize_for_inference(model, precision, channels_last=channels_last)
        fn = torch.compile(fast) if compile else fast
        return BuiltGraph(fn, precision, None if compile else fast,
                          None if compile else fast, channels_last)
    if graph == 'reference':
        root = ReferenceTryOn(model).model
    else:
        root = copy.deepcopy(model).eval()
    fn = _plain_graph(root, device, precision, channels_last)
    if compile:
        fn = torch.compile(fn)
    return BuiltGraph(fn, precision, None if compile else root, root, channels_last)
