"""Run an exported try-on ONNX model with ONNX Runtime (CPU by default) and compare it
with the PyTorch model."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from .onnx_export import INPUT_NAMES

DEFAULT_PROVIDERS = ('CPUExecutionProvider',)


class OnnxTryOn:
    """``(person, cloth, cloth_mask) -> try-on`` through an ONNX Runtime session.

    Args:
        path (str): exported model (see :func:`export_tryon_onnx`).
        threads (int, optional): intra-op threads (ORT's default when None).
        providers (Sequence[str]): execution providers.
    """

    def __init__(self, path: str, threads: Optional[int] = None,
                 providers: Sequence[str] = DEFAULT_PROVIDERS) -> None:
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = int(threads)
            options.inter_op_num_threads = 1
        self.path = path
        self.session = ort.InferenceSession(path, options, providers=list(providers))
        names = [node.name for node in self.session.get_inputs()]
        if names != list(INPUT_NAMES):
            raise ValueError(f'{path} has inputs {names}, expected {list(INPUT_NAMES)}')

    def run_numpy(self, feeds: Dict[str, np.ndarray]) -> np.ndarray:
        """Run on float32 arrays keyed by input name; returns the try-on array."""
        return self.session.run(None, feeds)[0]

    def __call__(self, person: Tensor, cloth: Tensor, cloth_mask: Tensor) -> Tensor:
        feeds = {name: tensor.detach().float().cpu().numpy()
                 for name, tensor in zip(INPUT_NAMES, (person, cloth, cloth_mask))}
        return torch.from_numpy(self.run_numpy(feeds))


def max_abs_diff_vs_pytorch(onnx_model: OnnxTryOn, model: nn.Module,
                            inputs: Dict[str, Tensor]) -> float:
    """Largest absolute difference of the ONNX and PyTorch try-on (``[-1, 1]`` images)."""
    with torch.no_grad():
        expected = model.tensor_forward(inputs).float().cpu()
    got = onnx_model(inputs['person'], inputs['cloth'], inputs['cloth_mask'])
    return float((got - expected).abs().max())
