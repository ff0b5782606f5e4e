"""A warping head from outside vtonbox (tests/data/toy/vtonbox_toy_warper.py, the worked
example of docs/advanced_guides/warping_heads.md) is one file + one config per stage:
``custom_imports`` registers it, and PF-AFN stages 3 and 4 train with it through the
Runner, distilled from the parser-based teacher and chained by checkpoint."""
import os
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from tests.conftest import REPO_ROOT, TOY_DIR
from tests.helpers.contracts import assert_warp_output
from tests.helpers.stage_configs import build_stage_model, stage_config
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

HEAD_FILE = osp.join(TOY_DIR, 'vtonbox_toy_warper.py')
STAGE3_CONFIG = osp.join(TOY_DIR, 'pfafn_warp_affine.py')
STAGE4_CONFIG = osp.join(TOY_DIR, 'pfafn_student_affine.py')
DOC = osp.join(REPO_ROOT, 'docs', 'advanced_guides', 'warping_heads.md')
HEAD_KEYS = {'warper.regressor.0.weight', 'warper.regressor.0.bias',
             'warper.regressor.2.weight', 'warper.regressor.2.bias'}


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


@pytest.fixture(scope='module')
def toy_import_path():
    """``tests/data/toy`` importable, as ``PYTHONPATH=tests/data/toy`` makes it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(TOY_DIR)
        yield


@pytest.fixture(scope='module')
def trained(tiny_synthetic, tmp_path_factory, toy_import_path, unformatted_config_text):
    """Stage 3 then stage 4 with the toy head, 1 epoch of 2 iterations each; the teacher
    is a stage-2 checkpoint of seeded random weights (no stages 1-2 to train)."""
    register_all_modules()
    work_root = str(tmp_path_factory.mktemp('toy_head'))
    os.makedirs(osp.join(work_root, 'pbafn_tryon'))
    torch.save({'state_dict': build_stage_model('pbafn_tryon', seed=5).state_dict()},
               osp.join(work_root, 'pbafn_tryon', 'epoch_1.pth'))
    runners = {}
    for stage, path in (('pfafn_warp_affine', STAGE3_CONFIG),
                        ('pfafn_student_affine', STAGE4_CONFIG)):
        cfg = stage_config(stage, tiny_synthetic, work_root, config_path=path)
        runners[stage] = Runner.from_cfg(cfg)
        runners[stage].train()
    return work_root, runners


def load_state(work_root, stage):
    return torch.load(osp.join(work_root, stage, 'epoch_1.pth'), map_location='cpu',
                      weights_only=True)['state_dict']


def test_head_keeps_the_contract(toy_import_path):
    import vtonbox_toy_warper  # noqa: F401  (registers AffineWarper)

    model = MODELS.build(dict(type='FlowWarpModel', cond_channels=3,
                              encoder=dict(channels=[8, 16, 16, 16, 16]),
                              fpn=dict(out_channels=16), warper=dict(type='AffineWarper')))
    cloth, mask = torch.rand(2, 3, 64, 64) * 2 - 1, torch.ones(2, 1, 64, 64)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = model(torch.rand(2, 3, 64, 64) * 2 - 1, cloth, mask)
    assert_warp_output(out, 2, 64, 64, num_deltas=0, cond_channels=16)
    torch.testing.assert_close(out.warped_cloth, cloth, atol=1e-4, rtol=0)  # identity
    with pytest.raises(ValueError, match='AffineWarper expects 5 pyramid levels, got 4'):
        model.warper(cloth, mask, out.cond_features[:4], out.cond_features[:4])


def test_stage3_trains_the_new_head_with_distillation(trained):
    work_root, runners = trained
    runner = runners['pfafn_warp_affine']
    assert type(runner.model.warp_model.warper).__name__ == 'AffineWarper'
    hub = runner.message_hub
    for term in ('loss_distill_feature', 'loss_distill_flow', 'loss_warp_l1'):
        assert torch.isfinite(torch.tensor(hub.get_scalar(f'train/{term}').current())), term
    saved = load_state(work_root, 'pfafn_warp_affine')
    warp_keys = {k[len('warp_model.'):] for k in saved}
    assert {k for k in warp_keys if k.startswith('warper.')} == HEAD_KEYS
    # zero-initialised, the last layer left the identity: the head trained in stage 3
    assert saved['warp_model.warper.regressor.2.weight'].abs().max() > 0
    # the cloth branch came from the teacher's warp (only the new head is excluded)
    teacher = load_state(work_root, 'pbafn_tryon')
    model = MODELS.build(runner.cfg.model)
    model.init_weights()
    for key, value in model.warp_model.state_dict().items():
        if key.startswith('cloth_'):
            assert torch.equal(value, teacher['warp_model.' + key]), key


def test_stage4_starts_from_stage3_and_tries_on(trained, inputs):
    work_root, runners = trained
    stage3 = load_state(work_root, 'pfafn_warp_affine')
    model = MODELS.build(runners['pfafn_student_affine'].cfg.model)
    model.init_weights()
    for key, value in model.warp_model.state_dict().items():
        assert torch.equal(value, stage3['warp_model.' + key]), key
    hub = runners['pfafn_student_affine'].message_hub
    assert torch.isfinite(torch.tensor(hub.get_scalar('train/loss_gen_skin_l1').current()))
    student = runners['pfafn_student_affine'].model.eval()
    with torch.no_grad():
        assert_warp_output(student.warp(inputs), 2, 64, 64, num_deltas=0)
        samples = student(inputs, mode='predict')
    assert samples[0].pred_tryon.shape == (3, 64, 64)


@pytest.mark.parametrize('path', [HEAD_FILE, STAGE3_CONFIG])
def test_the_doc_shows_the_tested_files(path):
    assert read(path) in read(DOC), f'{osp.relpath(path, REPO_ROOT)} differs from the doc'
