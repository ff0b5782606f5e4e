"""ONNX export of a tiny parser-free model, checked with ONNX Runtime (CPU)."""
import onnx
import pytest
import torch

from tests.helpers.tiny_configs import TINY_SIZE
from tests.helpers.tiny_model import write_tiny_config
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.deploy import (
    OnnxTryOn,
    TryOnExportWrapper,
    export_tryon_onnx,
    load_tryon_model,
    max_abs_diff_vs_pytorch,
)

#: Largest |ONNX Runtime - PyTorch| accepted on [-1, 1] images.
TOLERANCE = 1e-3


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp('onnx')
    model, _ = load_tryon_model(write_tiny_config(folder, size=TINY_SIZE), seed=0)
    path = export_tryon_onnx(model, str(folder / 'sub' / 'tiny.onnx'), *TINY_SIZE,
                             batch_size=2, dynamic_batch=True)
    return model, path


def test_onnx_runtime_matches_pytorch(exported):
    model, path = exported
    runner = OnnxTryOn(path, threads=1)
    for batch, seed in ((1, 1), (3, 2)):  # dynamic batch
        inputs = random_tryon_inputs(batch, *TINY_SIZE, seed=seed)
        assert max_abs_diff_vs_pytorch(runner, model, inputs) <= TOLERANCE


def test_graph_has_grid_sample_and_named_io(exported):
    _, path = exported
    graph = onnx.load(path).graph
    ops = {node.op_type for node in graph.node}
    assert 'GridSample' in ops and 'Conv' in ops
    assert [i.name for i in graph.input] == ['person', 'cloth', 'cloth_mask']
    assert [o.name for o in graph.output] == ['tryon']
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'


def test_export_errors(tmp_path):
    with pytest.raises(ValueError, match='GridSample'):
        export_tryon_onnx(torch.nn.Identity(), str(tmp_path / 'x.onnx'), opset=15)
    with pytest.raises(TypeError, match='tensor_forward'):
        TryOnExportWrapper(torch.nn.Linear(2, 2))
