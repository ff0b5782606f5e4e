import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from tests.helpers.tiny_configs import TINY_SIZE
from vtonbox.benchmark import ReferenceTryOn, random_tryon_inputs, use_shift_correlation
from vtonbox.models.ops.correlation import Correlation, local_correlation, shift_correlation
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules
from vtonbox.utils.model_loading import offline_model_config


@pytest.mark.parametrize('shape,disp', [((2, 5, 6, 7), 3), ((1, 3, 2, 2), 3), ((1, 2, 4, 5), 1)])
def test_shift_formula_equals_gemm_version(shape, disp):
    torch.manual_seed(0)
    first = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    second = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    shift = local_correlation(first, second, disp, implementation='shift')
    torch.testing.assert_close(shift, shift_correlation(first, second, disp))
    torch.testing.assert_close(shift, local_correlation(first, second, disp))
    grads = torch.autograd.grad(shift.sum(), (first, second))
    expected = torch.autograd.grad(local_correlation(first, second, disp).sum(),
                                   (first, second))
    for got, want in zip(grads, expected):
        torch.testing.assert_close(got, want)


def test_shift_is_used_while_exporting(monkeypatch):
    calls = []
    import vtonbox.models.ops.correlation as correlation_module
    original = correlation_module.shift_correlation
    monkeypatch.setattr(correlation_module, 'shift_correlation',
                        lambda *a: calls.append(1) or original(*a))
    x = torch.randn(1, 2, 4, 4)
    Correlation()(x, x)
    assert not calls
    monkeypatch.setattr(torch.onnx, 'is_in_onnx_export', lambda: True)
    Correlation()(x, x)
    assert calls == [1]
    with pytest.raises(ValueError, match='implementation'):
        Correlation(implementation='loops')


def test_reference_graph_equals_model(tiny_model):
    reference = ReferenceTryOn(tiny_model)
    assert reference.model.warp_model.warper.correlation.implementation == 'shift'
    assert tiny_model.warp_model.warper.correlation.implementation == 'gemm'
    inputs = random_tryon_inputs(2, *TINY_SIZE)
    with torch.no_grad():
        out = reference(inputs['person'], inputs['cloth'], inputs['cloth_mask'])
        torch.testing.assert_close(out, tiny_model.tensor_forward(inputs), atol=1e-5, rtol=0)


def test_reference_needs_a_flow_model():
    with pytest.raises(TypeError, match='tensor_forward'):
        ReferenceTryOn(torch.nn.Linear(2, 2))
    assert use_shift_correlation(torch.nn.Linear(2, 2)) == 0


def test_a_model_without_correlation_is_its_own_reference():
    """FS-VTON's style flow has no correlation: the reference is the model as built."""
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'synthetic', 'fsvton_student.py'))
    torch.manual_seed(0)
    model = MODELS.build(offline_model_config(cfg.model)).eval()
    reference = ReferenceTryOn(model)
    assert reference.num_shift_correlations == 0
    inputs = random_tryon_inputs(1, 64, 64)
    with torch.no_grad():
        out = reference(inputs['person'], inputs['cloth'], inputs['cloth_mask'])
        torch.testing.assert_close(out, model.tensor_forward(inputs), atol=0, rtol=0)
