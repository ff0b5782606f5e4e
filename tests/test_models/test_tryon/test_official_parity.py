"""Numeric parity of converted official PF-AFN weights with the official test forward.

Random weights in the OFFICIAL key layout are saved as ``warp_model_final.pth`` /
``gen_model_final.pth``, converted by ``tools/model_converters/pfafn_to_vtonbox.py``,
loaded with ``mmengine.runner.load_checkpoint`` into ``ParserFreeTryOn`` of
``configs/pfafn_student.py`` and compared with ``official_pfafn.py``, an independent
functional re-derivation of ``PF-AFN_test/test.py`` written from the reference.

Two comparisons:

* with the correlation replaced by the plain 49-shift formula (the one the reference
  defines), vtonbox reproduces the official forward to ``EXACT_TOL`` (measured: 0.0,
  bit-identical) - every other operation (BN, convs, FPN, apply_offset, flow composition,
  align_corners, upsampling, generator, composition) has the official semantics;
* with vtonbox's own GEMM correlation, outputs differ only by float summation order
  (the flows by a few float32 ulps), which a bilinearly warped binary mask turns into
  differences up to ``|d flow| * (W - 1) / 2`` per pixel. Measured (3 weight seeds, this
  CPU): 64x64 <= 8.7e-6, 128x96 <= 2.3e-5, 256x192 3.1e-5 (mask), flows <= 6e-7.
"""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.runner import load_checkpoint
from torch import nn

from tests.conftest import REPO_ROOT
from tests.helpers import official_pfafn as official
from vtonbox.converters.official_weights import build_model_from_config
from vtonbox.utils.files import file_sha256

TOOL = osp.join(REPO_ROOT, 'tools', 'model_converters', 'pfafn_to_vtonbox.py')
CONFIG = osp.join(REPO_ROOT, 'configs', 'pfafn_student.py')
#: (N, H, W) of the compared batches (256x192 is too slow for the shared test CPU).
SIZES = [(2, 64, 64), (1, 128, 96)]
#: vtonbox with the formula correlation vs the official forward (measured 0.0).
EXACT_TOL = 1e-6
#: vtonbox with its GEMM correlation: float-order differences only (see module doc).
GEMM_IMAGE_TOL = 5e-5
GEMM_FLOW_TOL = 2e-6
#: Guards that the random weights exercise the network (not saturated, not identity).
MIN_MEAN_FLOW_PIXELS = 1.0
MIN_RENDERED_STD = 0.05
MAX_SATURATED_FRACTION = 0.01


def load_tool():
    spec = importlib.util.spec_from_file_location('pfafn_to_vtonbox', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


class FormulaCorrelation(nn.Module):
    """The reference's 49-shift correlation, swapped into AFlowNet for the exact check."""

    out_channels = (2 * official.MAX_DISPLACEMENT + 1) ** 2

    def forward(self, first, second):
        return official.correlation(first, second)


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('official_weights')
    warp, gen = official.random_official_state_dicts(seed=0)
    warp_path, gen_path = tmp / official.WARP_FILE, tmp / official.GEN_FILE
    torch.save(warp, warp_path)
    torch.save(gen, gen_path)
    out = tmp / 'pfafn_official.pth'
    status = load_tool().main(['--warp', str(warp_path), '--gen', str(gen_path),
                               '--out', str(out), '--config', CONFIG])
    assert status == 0
    model = build_model_from_config(CONFIG)
    load_checkpoint(model, str(out), map_location='cpu', strict=True)
    return dict(warp=warp, gen=gen, model=model.eval(), out=out, warp_path=warp_path,
                gen_path=gen_path)


def vtonbox_forward(model, person, cloth, mask):
    with torch.no_grad():
        inputs = dict(person=person, cloth=cloth, cloth_mask=mask)
        out = model.warp(inputs)
        comp = model.render(inputs, out)
    return dict(tryon=comp.tryon, warped_cloth=out.warped_cloth, warped_edge=out.warped_mask,
                rendered=comp.rendered, flow=out.flow)


@pytest.fixture(scope='module', params=SIZES, ids=lambda s: 'x'.join(map(str, s)))
def outputs(request, converted):
    batch, height, width = request.param
    person = official.smooth_image(batch, height, width, seed=1)
    cloth = official.smooth_image(batch, height, width, seed=2)
    mask = official.blob_mask(batch, height, width, seed=3)
    model = converted['model']
    reference = official.official_test_forward(converted['warp'], converted['gen'], person,
                                               cloth, mask)
    gemm = vtonbox_forward(model, person, cloth, mask)
    warper = model.warp_model.warper
    own_correlation = warper.correlation
    warper.correlation = FormulaCorrelation()
    try:
        formula = vtonbox_forward(model, person, cloth, mask)
    finally:
        warper.correlation = own_correlation
    return dict(reference=reference, gemm=gemm, formula=formula, mask=mask)


def max_diffs(ours, reference):
    return {k: (ours[k] - reference[k]).abs().max().item()
            for k in ('tryon', 'warped_cloth', 'warped_edge', 'rendered', 'flow')}


def test_converted_checkpoint_contents(converted):
    checkpoint = torch.load(converted['out'], map_location='cpu', weights_only=True)
    meta = checkpoint['meta']
    assert meta['converted_from'] == dict(warp=official.WARP_FILE, generator=official.GEN_FILE)
    assert meta['sha256'] == dict(warp=file_sha256(str(converted['warp_path'])),
                                  generator=file_sha256(str(converted['gen_path'])))
    assert meta['vtonbox_version']
    state = checkpoint['state_dict']
    assert len(state) == len(converted['warp']) + len(converted['gen'])
    assert torch.equal(state['warp_model.warper.refine_nets.3.6.weight'],
                       converted['warp']['aflow_net.netRefine.3.6.weight'])
    assert torch.equal(state['generator.model.model.4.model.5.model.8.running_var'],
                       converted['gen']['model.model.4.model.5.model.8.running_var'])


def test_matches_official_forward_exactly_with_formula_correlation(outputs):
    diffs = max_diffs(outputs['formula'], outputs['reference'])
    assert max(diffs.values()) <= EXACT_TOL, diffs


def test_matches_official_forward_with_gemm_correlation(outputs):
    diffs = max_diffs(outputs['gemm'], outputs['reference'])
    assert diffs['flow'] <= GEMM_FLOW_TOL, diffs
    for key in ('tryon', 'warped_cloth', 'warped_edge', 'rendered'):
        assert diffs[key] <= GEMM_IMAGE_TOL, diffs


def test_random_weights_exercise_the_network(outputs):
    reference = outputs['reference']
    flow = reference['flow']
    height, width = flow.shape[-2:]
    identity = official.apply_offset(flow.new_zeros(flow.shape)).permute(0, 3, 1, 2)
    scale = torch.tensor([(width - 1) / 2, (height - 1) / 2]).view(1, 2, 1, 1)
    assert ((flow - identity) * scale).abs().mean() > MIN_MEAN_FLOW_PIXELS
    assert reference['rendered'].std() > MIN_RENDERED_STD
    for key in ('tryon', 'rendered'):
        assert (reference[key].abs() > 0.99).float().mean() < MAX_SATURATED_FRACTION
    warped_mask = reference['warped_edge']
    assert 0 < warped_mask.mean() < 1
    assert not torch.allclose(reference['tryon'], reference['rendered'])
