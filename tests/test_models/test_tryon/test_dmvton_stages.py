"""DM-VTON's mobile student, stages 3 and 4 (configs/synthetic/dmvton*.py), through
MMEngine's Runner on 64x64 synthetic data (1 epoch of 2 iterations each), taught by the
stage-2 checkpoint of a teacher trained before it in the same way: PF-AFN's (PB-AFN,
the PF-AFN chain's stages 1-2) and FS-VTON's (the FS-VTON chain's). The four-stage
pipeline of each teacher; the stages are trained once per session (``stage_runs``)."""
import os.path as osp

import pytest
import torch

from tests.helpers.stage_configs import build_stage_model
from vtonbox.registry import MODELS

#: teacher -> (teacher stage, student stage 3, student stage 4)
PAIRS = {
    'pfafn': ('pbafn_tryon', 'dmvton_warp', 'dmvton_student'),
    'fsvton': ('fsvton_teacher_tryon', 'dmvton_fsvton_warp', 'dmvton_fsvton_student'),
}
#: teacher -> its stages 1 and 2 (the PF-AFN and FS-VTON chains' first stages)
TEACHER_STAGES = {'pfafn': ('pbafn_warp', 'pbafn_tryon'),
                  'fsvton': ('fsvton_teacher_warp', 'fsvton_teacher_tryon')}
WARP_TERMS = {'loss_warp_l1', 'loss_warp_mask', 'loss_warp_smooth', 'loss_warp_tv'}
#: PF-AFN's person-side terms + DM-VTON's garment-side feature term.
DISTILL_TERMS = {'loss_distill_feature', 'loss_distill_flow', 'loss_distill_cloth_feature'}
GEN_TERMS = {'loss_gen_l1', 'loss_gen_rendered_l1', 'loss_gen_mask', 'loss_gen_skin_l1'}
STAGE3_TERMS = WARP_TERMS | DISTILL_TERMS
STAGE4_TERMS = WARP_TERMS | DISTILL_TERMS | GEN_TERMS


def load_state(work_root, stage):
    return torch.load(osp.join(work_root, stage, 'epoch_1.pth'), map_location='cpu',
                      weights_only=True)['state_dict']


def prefixed(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def logged_losses(runner):
    return {key.split('/', 1)[1] for key in runner.message_hub.log_scalars
            if key.startswith('train/loss_')}


@pytest.fixture(scope='module')
def trained(stage_runs):
    runners = {}
    for pair, (teacher_stage, stage3, stage4) in PAIRS.items():
        # PF-AFN's teacher stages validate as in test_stages.py (the first to train them)
        stage_runs.train_chain(TEACHER_STAGES[pair], validate=pair == 'pfafn')
        for stage in (stage3, stage4):
            runners[stage] = stage_runs.train(stage, teacher_stage, validate=False)
    return stage_runs.work_root, runners


@pytest.mark.parametrize('pair', PAIRS)
def test_stage3_trains_the_mobile_warp_from_scratch(trained, pair):
    work_root, runners = trained
    _, stage3, _ = PAIRS[pair]
    runner = runners[stage3]
    assert 'init_cfg' not in runner.cfg.model  # no PartialPretrained: from scratch
    warp = runner.model.warp_model
    assert type(warp.cloth_backbone).__name__ == 'MobileNetV2Pyramid'
    assert type(warp.warper).__name__ == 'AFlowNet'
    assert all(p.requires_grad for p in warp.parameters())  # no partial phase
    assert logged_losses(runner) == STAGE3_TERMS
    value = runner.message_hub.get_scalar('train/loss_distill_cloth_feature').current()
    assert torch.isfinite(torch.tensor(value))
    saved = load_state(work_root, stage3)
    assert {k.split('.', 1)[0] for k in saved} == {'warp_model'}
    assert saved.keys() == runner.model.state_dict().keys()


@pytest.mark.parametrize('pair', PAIRS)
def test_stage4_from_stage3_with_the_mobile_generator(trained, pair, inputs):
    work_root, runners = trained
    _, stage3, stage4 = PAIRS[pair]
    runner = runners[stage4]
    assert logged_losses(runner) == STAGE4_TERMS
    assert type(runner.model.generator).__name__ == 'MobileUNetGenerator'
    saved = load_state(work_root, stage4)
    assert {k.split('.', 1)[0] for k in saved} == {'warp_model', 'generator'}
    stage3_warp = prefixed(load_state(work_root, stage3), 'warp_model.')
    model = MODELS.build(runner.cfg.model)
    model.init_weights()
    warp = model.warp_model.state_dict()
    assert warp.keys() == stage3_warp.keys()
    for key, value in warp.items():
        assert torch.equal(value, stage3_warp[key]), key
    student = runner.model.eval()
    with torch.no_grad():
        samples = student(inputs, mode='predict')
    assert samples[0].pred_tryon.shape == (3, 64, 64)


@pytest.mark.parametrize('pair', PAIRS)
def test_teacher_is_the_frozen_stage2_checkpoint(trained, pair):
    work_root, runners = trained
    teacher_stage, stage3, stage4 = PAIRS[pair]
    stage2 = load_state(work_root, teacher_stage)
    for stage in (stage3, stage4):
        teacher = runners[stage].model.teacher
        state = teacher.tryon.state_dict()
        assert state.keys() == stage2.keys()
        for key, value in stage2.items():
            assert torch.equal(state[key], value), (stage, key)
        assert not any(p.requires_grad for p in teacher.parameters())
    warper = runners[stage3].model.teacher.tryon.warp_model.warper
    assert type(warper).__name__ == ('AFlowNet' if pair == 'pfafn' else 'StyleFlowWarper')


def test_garment_term_is_off_for_pfafn_and_fsvton():
    """PF-AFN's and FS-VTON's students keep their two distillation terms."""
    for stage in ('pfafn_warp', 'fsvton_warp', 'pfafn_student', 'fsvton_student'):
        model = build_stage_model(stage)
        assert model.cloth_feature_distill is None, stage
    assert build_stage_model('dmvton_warp').cloth_feature_distill is not None
