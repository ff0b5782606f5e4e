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
import pytest

from tests.helpers import converter_cases as cases
from tests.helpers import official_pfafn as official

CONFIG = cases.config_path('pfafn')
#: (N, H, W) of the compared batches (256x192 is too slow for the shared test CPU).
SIZES = [(2, 64, 64), (1, 128, 96)]
#: vtonbox with the formula correlation vs the official forward (measured 0.0).
EXACT_TOL = 1e-6
#: vtonbox with its GEMM correlation: float-order differences only (see module doc).
GEMM_IMAGE_TOL = 5e-5
GEMM_FLOW_TOL = 2e-6


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('official_weights')
    warp, gen = official.random_official_state_dicts(seed=0)
    warp_path, gen_path = cases.save_pair(tmp, warp, gen, official.WARP_FILE, official.GEN_FILE)
    return cases.converted_case('pfafn', CONFIG, warp, gen, warp_path, gen_path,
                                tmp / 'pfafn_official.pth', '--config', CONFIG)


@pytest.fixture(scope='module', params=SIZES, ids=lambda s: 'x'.join(map(str, s)))
def outputs(request, converted):
    return cases.official_comparison(converted, official.official_test_forward, *request.param)


def test_converted_checkpoint_contents(converted):
    checkpoint = cases.converted_checkpoint(converted, official.WARP_FILE, official.GEN_FILE)
    assert checkpoint['meta']['vtonbox_version']
    state = checkpoint['state_dict']
    assert len(state) == len(converted['warp']) + len(converted['gen'])
    cases.check_values_copied(state, converted['warp'], [
        ('warp_model.warper.refine_nets.3.6.weight', 'aflow_net.netRefine.3.6.weight')])
    cases.check_values_copied(state, converted['gen'], [
        ('generator.model.model.4.model.5.model.8.running_var',
         'model.model.4.model.5.model.8.running_var')])


def test_matches_official_forward_exactly_with_formula_correlation(outputs):
    cases.check_all_within(outputs['formula'], outputs['reference'], EXACT_TOL)


def test_matches_official_forward_with_gemm_correlation(outputs):
    diffs = cases.max_diffs(outputs['gemm'], outputs['reference'])
    assert diffs['flow'] <= GEMM_FLOW_TOL, diffs
    for key in ('tryon', 'warped_cloth', 'warped_edge', 'rendered'):
        assert diffs[key] <= GEMM_IMAGE_TOL, diffs


def test_random_weights_exercise_the_network(outputs):
    cases.check_random_weights_exercise_the_network(outputs['reference'])
