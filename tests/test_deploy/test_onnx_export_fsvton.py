"""ONNX export of the tiny synthetic FS-VTON student (style-flow head) with
tools/deploy/export_onnx.py, checked with ONNX Runtime (CPU); and of the ClothFlow one.

FS-VTON has no correlation; its modulated convolutions export in their static form
(``conv(x * s, w) * d + bias``): plain ``Conv`` nodes with a constant weight, so the
batch stays dynamic. Exported at 256 x 192, the size the style kernel (8 x 6) was made
for: the coarsest map is used as it is.
"""
import importlib.util
import os.path as osp

import onnx
import pytest
import torch

from tests.conftest import REPO_ROOT
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.deploy import (
    OnnxTryOn,
    export_tryon_onnx,
    load_tryon_model,
    max_abs_diff_vs_pytorch,
)

TOOL = osp.join(REPO_ROOT, 'tools', 'deploy', 'export_onnx.py')
FSVTON = osp.join(REPO_ROOT, 'configs', 'synthetic', 'fsvton_student.py')
CLOTHFLOW = osp.join(REPO_ROOT, 'configs', 'synthetic', 'clothflow_student.py')
SIZE = (256, 192)
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
    """The tool's export of the FS-VTON student (seeded random weights, its own
    ONNX Runtime check included)."""
    spec = importlib.util.spec_from_file_location('vtonbox_export_onnx_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    path = str(tmp_path_factory.mktemp('onnx_fsvton') / 'fsvton.onnx')
    tool.main([FSVTON, 'random', '--out', path, '--dynamic-batch', '--height',
               str(SIZE[0]), '--width', str(SIZE[1])])
    model, _ = load_tryon_model(FSVTON, seed=0)  # the weights the tool exported
    return model, path


def test_onnx_runtime_matches_pytorch(exported):
    model, path = exported
    assert type(model.warp_model.warper).__name__ == 'StyleFlowWarper'
    runner = OnnxTryOn(path, threads=1)
    for batch, seed in ((1, 1), (3, 2)):  # dynamic batch
        inputs = random_tryon_inputs(batch, *SIZE, seed=seed)
        assert max_abs_diff_vs_pytorch(runner, model, inputs) <= TOLERANCE


def test_modulated_convs_export_as_plain_convs(exported):
    _, path = exported
    graph = onnx.load(path).graph
    ops = {node.op_type for node in graph.node}
    assert 'GridSample' in ops and 'Conv' in ops
    groups = [attr.i for node in graph.node if node.op_type == 'Conv'
              for attr in node.attribute if attr.name == 'group']
    assert set(groups) <= {1}  # no per-sample grouped convolution
    assert [i.name for i in graph.input] == ['person', 'cloth', 'cloth_mask']
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'


def test_clothflow_student_exports(tmp_path):
    model, _ = load_tryon_model(CLOTHFLOW, seed=0)
    size = (128, 96)  # no style kernel: the synthetic size
    path = export_tryon_onnx(model, str(tmp_path / 'clothflow.onnx'), *size, batch_size=2)
    inputs = random_tryon_inputs(2, *size, seed=3)
    assert max_abs_diff_vs_pytorch(OnnxTryOn(path, threads=1), model, inputs) <= TOLERANCE
