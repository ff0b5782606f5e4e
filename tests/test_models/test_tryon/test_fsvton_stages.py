"""The four synthetic FS-VTON stages (style-flow head) and the four ClothFlow ablation
stages train through MMEngine's Runner, each initialised from / taught by the previous
stage's checkpoint (1 epoch of 2 iterations each, 64x64)."""
import glob
import os.path as osp

import pytest
import torch

from vtonbox.registry import MODELS

#: method -> its stages in training order (configs/synthetic/<stage>.py)
METHODS = {
    'fsvton': ('fsvton_teacher_warp', 'fsvton_teacher_tryon', 'fsvton_warp', 'fsvton_student'),
    'clothflow': ('clothflow_teacher_warp', 'clothflow_teacher_tryon', 'clothflow_warp',
                  'clothflow_student'),
}
STAGES = [(method, index) for method in METHODS for index in range(4)]
#: What each stage's checkpoint holds: its trained networks (no teacher, no loss network).
SAVED_NETWORKS = ({'warp_model'}, {'warp_model', 'generator'}, {'warp_model'},
                  {'warp_model', 'generator'})
WARP_TERMS = {'loss_warp_l1', 'loss_warp_mask', 'loss_warp_smooth', 'loss_warp_tv'}
GEN_TERMS = {'loss_gen_l1', 'loss_gen_rendered_l1', 'loss_gen_mask'}
DISTILL_TERMS = {'loss_distill_feature', 'loss_distill_flow'}
#: The loss terms of each stage (no VGG terms: the CPU configs have no VGG).
STAGE_TERMS = (WARP_TERMS, WARP_TERMS | GEN_TERMS, WARP_TERMS | DISTILL_TERMS,
               WARP_TERMS | DISTILL_TERMS | GEN_TERMS | {'loss_gen_skin_l1'})
#: Warp-model parameters of stage 3 that train in the first epochs, per method.
STAGE3_PARTIAL = {
    'fsvton': ('cond_encoder.', 'cond_fpn.', 'warper.cond_style.', 'warper.refine_nets.'),
    'clothflow': ('cond_encoder.', 'cond_fpn.', 'warper.refine_nets.'),
}
#: Parts of stage 3's warp initialised from the teacher (not re-initialised).
STAGE3_RANDOM_INIT = ('cond_', 'warper.refine_nets')


def load_state(work_root, stage):
    return torch.load(osp.join(work_root, stage, 'epoch_1.pth'), map_location='cpu',
                      weights_only=True)['state_dict']


def prefixed(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


@pytest.fixture(scope='module')
def trained(stage_runs):
    """Both pipelines trained in order (once per session: the mobile student's tests
    reuse the FS-VTON teacher); no validation loops (their own tests cover them)."""
    runners = {}
    for stages in METHODS.values():
        runners.update(stage_runs.train_chain(stages, validate=False))
    return stage_runs.work_root, runners


def logged_losses(runner):
    """Loss terms the Runner logged in training (without the total)."""
    return {key.split('/', 1)[1] for key in runner.message_hub.log_scalars
            if key.startswith('train/loss_')}


@pytest.mark.parametrize('method,index', STAGES)
def test_stage_trains_and_saves_its_networks(trained, method, index):
    work_root, runners = trained
    stage = METHODS[method][index]
    saved = load_state(work_root, stage)
    assert {k.split('.', 1)[0] for k in saved} == SAVED_NETWORKS[index]
    assert saved.keys() == runners[stage].model.state_dict().keys()
    assert logged_losses(runners[stage]) == STAGE_TERMS[index]
    warper = runners[stage].model.warp_model.warper
    assert type(warper).__name__ == ('StyleFlowWarper' if method == 'fsvton'
                                     else 'ClothFlowWarper')


@pytest.mark.parametrize('method', METHODS)
def test_stage3_initialised_from_teacher_warp(trained, method):
    """Stage 3's warp = the stage-2 teacher's, except the condition branch and refine
    nets; FS-VTON's `warper.cond_style` is copied. As the Runner applies the init (its
    log line) and as the config's init does it on a fresh model."""
    work_root, runners = trained
    teacher_stage, stage3 = METHODS[method][1], METHODS[method][2]
    stage2 = prefixed(load_state(work_root, teacher_stage), 'warp_model.')
    model = MODELS.build(runners[stage3].cfg.model)
    model.init_weights()
    warp = model.warp_model.state_dict()
    copied = {key for key in warp if not key.startswith(STAGE3_RANDOM_INIT)}
    for key, value in warp.items():
        if key in copied:
            assert torch.equal(value, stage2[key]), key
        elif value.dtype != torch.int64:  # BN counters may agree
            assert value.shape != stage2[key].shape or not torch.equal(value, stage2[key]), key
    if method == 'fsvton':
        assert {'warper.cond_style.0.weight', 'warper.cloth_style.0.weight'} <= copied
    logs = glob.glob(osp.join(work_root, stage3, '*', '*.log'))
    text = open(logs[0]).read()
    checkpoint = osp.join(work_root, teacher_stage, 'epoch_1.pth')
    assert (f'PartialPretrained: loaded {len(copied)} tensors of warp_model from '
            f'{checkpoint}') in text


@pytest.mark.parametrize('method', METHODS)
def test_stage3_first_epochs_train_the_partial_set(trained, method):
    """In the partial phase (the test's one epoch) only the condition branch, (FS-VTON)
    cond_style and the refine nets train; the rest keeps the teacher's weights."""
    work_root, runners = trained
    stage3 = METHODS[method][2]
    runner = runners[stage3]
    hook = next(h for h in runner.hooks if type(h).__name__ == 'TrainableScheduleHook')
    assert runner.epoch < hook.switch_epoch or runner.epoch == hook.switch_epoch == 1
    warp = runner.model.warp_model
    trainable = {name for name, p in warp.named_parameters() if p.requires_grad}
    expected = {name for name, _ in warp.named_parameters()
                if name.startswith(STAGE3_PARTIAL[method])}
    assert trainable == expected
    if method == 'fsvton':
        assert any(name.startswith('warper.cond_style.') for name in trainable)
    stage2 = prefixed(load_state(work_root, METHODS[method][1]), 'warp_model.')
    trained_state = prefixed(load_state(work_root, stage3), 'warp_model.')
    for name in dict(warp.named_parameters()):
        if name not in trainable:
            assert torch.equal(trained_state[name], stage2[name]), name
    if method == 'fsvton':  # copied from the teacher, then trained
        key = 'warper.cond_style.0.weight'
        assert not torch.equal(trained_state[key], stage2[key])


@pytest.mark.parametrize('method', METHODS)
def test_student_from_stage3_and_teacher_from_stage2(trained, method):
    work_root, runners = trained
    _, teacher_stage, stage3, stage4 = METHODS[method]
    stage3_warp = prefixed(load_state(work_root, stage3), 'warp_model.')
    model = MODELS.build(runners[stage4].cfg.model)
    model.init_weights()
    warp = model.warp_model.state_dict()
    assert warp.keys() == stage3_warp.keys()
    for key, value in warp.items():
        assert torch.equal(value, stage3_warp[key]), key
    # the frozen teacher of stages 3 and 4 carries the stage-2 weights and never trains
    stage2 = load_state(work_root, teacher_stage)
    for stage in (stage3, stage4):
        teacher = runners[stage].model.teacher
        state = teacher.tryon.state_dict()
        assert state.keys() == stage2.keys()
        for key, value in stage2.items():
            assert torch.equal(state[key], value), (stage, key)
        assert not any(p.requires_grad for p in teacher.parameters())
