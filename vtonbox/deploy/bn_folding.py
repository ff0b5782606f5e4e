"""Fold inference-mode BatchNorm into the convolution in front of it.

In eval mode a BatchNorm is a per-channel affine map ``y = a * x + b`` with
``a = gamma / sqrt(running_var + eps)`` and ``b = beta - a * running_mean``. When it
directly follows a convolution (``conv -> BN``, nothing in between) it folds into that
convolution's weight and bias, and the BN disappears from the graph.

Which BNs of PF-AFN fold:

* ``ResUnetGenerator``: every BN follows a conv (``conv -> BN -> ReLU``), so all fold.
* ``FeatureEncoder``: the blocks are *pre-activation* (``BN -> ReLU -> conv``). A BN
  followed by a ReLU cannot fold into the *next* conv (the ReLU sits between), and the
  BN at the head of a block cannot fold into the previous conv either, because that
  conv's output is also the residual identity (and a pyramid output). Only the middle BN
  of each ``ResBlock`` (``conv -> BN -> ReLU -> conv``) directly follows a conv and folds:
  2 of the 5 BNs per stage. The others stay (cheap elementwise ops).

Folding changes the state-dict keys (BNs become ``nn.Identity``), so it is for
inference copies only.
"""
import copy
from typing import Tuple

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

#: Convolution types that a following BatchNorm folds into.
FOLDABLE_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def is_foldable_pair(conv: nn.Module, norm: nn.Module) -> bool:
    """Whether ``norm`` (right after ``conv``) folds into it: a plain conv followed by a
    BatchNorm over its output channels that uses running statistics."""
    return (type(conv) in FOLDABLE_CONVS
            and isinstance(norm, nn.modules.batchnorm._BatchNorm)
            and norm.track_running_stats and norm.running_mean is not None
            and norm.num_features == conv.out_channels)


def fold_batchnorms(module: nn.Module, inplace: bool = False) -> Tuple[nn.Module, int]:
    """Fold every ``conv -> BatchNorm`` pair that sits next to each other in an
    ``nn.Sequential`` (the only place where "directly follows" is visible statically).

    The folded conv gets a bias; the BN is replaced by ``nn.Identity`` so Sequential
    indices (and the keys of everything else) stay. BNs behind an activation (the
    pre-activation blocks) are left alone. The result is in eval mode.

    Args:
        module (nn.Module): the network; in eval mode or not (running statistics are
            used either way, i.e. the result computes the eval-mode function).
        inplace (bool): modify ``module`` itself instead of a deep copy.

    Returns:
        tuple[nn.Module, int]: the folded network (eval mode) and how many BNs folded.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f'module must be an nn.Module, got {type(module).__name__}')
    folded_module = module if inplace else copy.deepcopy(module)
    folded_module.eval()
    count = 0
    for container in folded_module.modules():
        if not isinstance(container, nn.Sequential):
            continue
        names = list(container._modules)
        for first, second in zip(names, names[1:]):
            conv, norm = container._modules[first], container._modules[second]
            if is_foldable_pair(conv, norm):
                container._modules[first] = fuse_conv_bn_eval(conv, norm)
                container._modules[second] = nn.Identity()
                count += 1
    return folded_module, count


def count_batchnorms(module: nn.Module) -> int:
    """Number of BatchNorm layers left in ``module``."""
    return sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())
