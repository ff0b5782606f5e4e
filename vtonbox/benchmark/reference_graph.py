"""The reference inference graph that speed-ups are measured against.

It is the PF-AFN inference graph as the upstream test script runs it: the model as
built (BatchNorms unfolded, NCHW, fp32, the full warp output assembled), with the
correlation written as the plain 49-shift formula (``Correlation(implementation=
'shift')``) instead of vtonbox's batched-GEMM version. Same weights as the model it is
built from. A model without a correlation (FS-VTON's style flow, ClothFlow) is its
reference as built: the reference then measures the fast graph against the plain model.
"""
import copy

from torch import Tensor, nn

from vtonbox.models.ops.correlation import Correlation


def use_shift_correlation(module: nn.Module) -> int:
    """Switch every :class:`Correlation` in ``module`` to the 49-shift formula.

    Returns:
        int: how many were switched.
    """
    count = 0
    for child in module.modules():
        if isinstance(child, Correlation):
            child.implementation = 'shift'
            count += 1
    return count


class ReferenceTryOn(nn.Module):
    """``(person, cloth, cloth_mask) -> try-on`` through the unmodified model graph with
    the 49-shift correlation (when the model has one).

    Args:
        model (nn.Module): a try-on model with ``tensor_forward(inputs)`` (deep-copied,
            put in eval mode).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if not callable(getattr(model, 'tensor_forward', None)):
            raise TypeError(f'{type(model).__name__} has no tensor_forward(inputs)')
        self.model = copy.deepcopy(model).eval()
        #: How many correlations were switched to the formula (0: the model as built).
        self.num_shift_correlations = use_shift_correlation(self.model)

    def forward(self, person: Tensor, cloth: Tensor, cloth_mask: Tensor) -> Tensor:
        """Same contract as :class:`vtonbox.deploy.FastParserFreeTryOn`."""
        return self.model.tensor_forward(
            dict(person=person, cloth=cloth, cloth_mask=cloth_mask))
