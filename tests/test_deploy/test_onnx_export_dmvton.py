"""ONNX export of DM-VTON's mobile student (configs/dmvton_student.py, full width, seeded
random weights) with tools/deploy/export_onnx.py, checked with ONNX Runtime (CPU).

Exported at 64 x 64 (the smallest size five levels take) to keep the test short; the
graph is the same at 256 x 192. The MobileNetV2 depthwise convolutions are grouped
``Conv`` nodes, the U-Net's upsampling ``ConvTranspose``; the correlation exports as the
49-shift formula and the warps as ``GridSample``.
"""
import importlib.util
import os.path as osp

import pytest
import torch

from tests.conftest import REPO_ROOT
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.deploy import OnnxTryOn, load_tryon_model, max_abs_diff_vs_pytorch

onnx = pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

TOOL = osp.join(REPO_ROOT, 'tools', 'deploy', 'export_onnx.py')
DMVTON = osp.join(REPO_ROOT, 'configs', 'dmvton_student.py')
SIZE = (64, 64)
#: Largest |ONNX Runtime - PyTorch| accepted on [-1, 1] images.
TOLERANCE = 1e-3


@pytest.fixture(autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """The tool's export of the mobile student (its own ONNX Runtime check included)."""
    spec = importlib.util.spec_from_file_location('vtonbox_export_onnx_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    path = str(tmp_path_factory.mktemp('onnx_dmvton') / 'dmvton.onnx')
    tool.main([DMVTON, 'random', '--out', path, '--dynamic-batch', '--height',
               str(SIZE[0]), '--width', str(SIZE[1])])
    model, _ = load_tryon_model(DMVTON, seed=0)  # the weights the tool exported
    return model, path


def test_onnx_runtime_matches_pytorch(exported):
    model, path = exported
    assert type(model.warp_model.cloth_backbone).__name__ == 'MobileNetV2Pyramid'
    runner = OnnxTryOn(path, threads=1)
    for batch, seed in ((1, 1), (3, 2)):  # dynamic batch
        inputs = random_tryon_inputs(batch, *SIZE, seed=seed)
        assert max_abs_diff_vs_pytorch(runner, model, inputs) <= TOLERANCE


def test_graph_has_depthwise_convs_and_named_io(exported):
    _, path = exported
    graph = onnx.load(path).graph
    ops = {node.op_type for node in graph.node}
    assert {'GridSample', 'Conv', 'ConvTranspose'} <= ops
    groups = {attr.i for node in graph.node if node.op_type == 'Conv'
              for attr in node.attribute if attr.name == 'group'}
    assert max(groups) > 1  # the depthwise 3x3 convs of the inverted residuals
    assert [i.name for i in graph.input] == ['person', 'cloth', 'cloth_mask']
    assert [o.name for o in graph.output] == ['tryon']
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'
