"""Export the parser-free try-on (person, cloth, cloth mask -> try-on) to ONNX.

The graph is the model's own ``tensor_forward`` traced by PyTorch's TorchScript-based
exporter (``dynamo=False``: the dynamo exporter needs ``onnxscript``, which vtonbox does
not depend on). Two things make it exportable:

* ``grid_sample`` (bilinear, border / zeros padding, ``align_corners=True``) is ONNX
  ``GridSample``, opset >= 16 (default 17);
* the correlation runs the plain 49-shift formula under ``torch.onnx.is_in_onnx_export()``
  (Pad, Slice, Mul, ReduceMean, Concat), the GEMM version's strided views do not export.
  Both give the same values (float summation order only).

Inputs ``person``, ``cloth`` ``(N, 3, H, W)`` in ``[-1, 1]`` and ``cloth_mask``
``(N, 1, H, W)`` in ``{0, 1}``; output ``tryon`` ``(N, 3, H, W)`` in ``[-1, 1]``. H and W
are fixed at export time (the flow grids depend on them); N can be dynamic.
"""
import copy
import os
import os.path as osp
import warnings

import torch
from torch import Tensor, nn

#: ONNX GridSample exists from opset 16.
MIN_OPSET = 16
DEFAULT_OPSET = 17
INPUT_NAMES = ('person', 'cloth', 'cloth_mask')
OUTPUT_NAMES = ('tryon',)
BATCH_AXIS_NAME = 'batch'


class TryOnExportWrapper(nn.Module):
    """Positional-tensor wrapper around ``model.tensor_forward(inputs)`` for tracing.

    Args:
        model (nn.Module): a parser-free try-on model (deep-copied, eval mode, fp32).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if not callable(getattr(model, 'tensor_forward', None)):
            raise TypeError(f'{type(model).__name__} has no tensor_forward(inputs)')
        self.model = copy.deepcopy(model).float().eval()

    def forward(self, person: Tensor, cloth: Tensor, cloth_mask: Tensor) -> Tensor:
        return self.model.tensor_forward(dict(person=person, cloth=cloth,
                                              cloth_mask=cloth_mask))


def export_example_inputs(batch: int, height: int, width: int, device='cpu'):
    """Example ``(person, cloth, cloth_mask)`` for tracing (values do not matter)."""
    generator = torch.Generator().manual_seed(0)
    person = torch.rand(batch, 3, height, width, generator=generator) * 2 - 1
    cloth = torch.rand(batch, 3, height, width, generator=generator) * 2 - 1
    mask = (torch.rand(batch, 1, height, width, generator=generator) > 0.5).float()
    return tuple(t.to(device) for t in (person, cloth, mask))


def export_tryon_onnx(model: nn.Module, out_path: str, height: int = 256, width: int = 192,
                      batch_size: int = 1, dynamic_batch: bool = False,
                      opset: int = DEFAULT_OPSET) -> str:
    """Trace ``model`` and write ``out_path``.

    Args:
        model (nn.Module): parser-free try-on model with ``tensor_forward``.
        out_path (str): ``.onnx`` file to write (folders are created).
        height, width (int): model input size (multiples of 32, fixed in the graph).
        batch_size (int): batch of the example input (the fixed N unless dynamic).
        dynamic_batch (bool): make N a dynamic axis.
        opset (int): ONNX opset (>= 16 for GridSample).

    Returns:
        str: ``out_path``.
    """
    if opset < MIN_OPSET:
        raise ValueError(f'opset {opset} has no GridSample; use opset >= {MIN_OPSET}')
    wrapper = TryOnExportWrapper(model).cpu()
    example = export_example_inputs(batch_size, height, width)
    dynamic_axes = None
    if dynamic_batch:
        dynamic_axes = {name: {0: BATCH_AXIS_NAME} for name in INPUT_NAMES + OUTPUT_NAMES}
    folder = osp.dirname(osp.abspath(out_path))
    os.makedirs(folder, exist_ok=True)
    with warnings.catch_warnings():
        # the TorchScript exporter's deprecation notice and tracer warnings about shape
        # checks turned into constants (H, W are fixed by design)
        warnings.simplefilter('ignore', DeprecationWarning)
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.filterwarnings('ignore', message='Constant folding - Only steps=1')
        with torch.no_grad():
            torch.onnx.export(wrapper, example, out_path, opset_version=opset,
                              input_names=list(INPUT_NAMES), output_names=list(OUTPUT_NAMES),
                              dynamic_axes=dynamic_axes, dynamo=False, do_constant_folding=True)
    return out_path
