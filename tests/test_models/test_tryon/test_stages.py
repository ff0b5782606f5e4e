"""The four PF-AFN stages and the CP-VTON baseline train through MMEngine's Runner on
synthetic data, each initialised from / taught by the previous stage's checkpoint."""
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from tests.helpers.stage_configs import stage_config
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

STAGES = ('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student')
#: Optimisation steps on one fixed batch in the loss-decrease check.
OVERFIT_STEPS = 6
#: What each stage's checkpoint holds: its trained networks, no teacher, no loss network.
SAVED_NETWORKS = {'pbafn_warp': {'warp_model'}, 'pbafn_tryon': {'warp_model', 'generator'},
                  'pfafn_warp': {'warp_model'}, 'pfafn_student': {'warp_model', 'generator'}}
WARP_TERMS = {'loss_warp_l1', 'loss_warp_mask', 'loss_warp_smooth', 'loss_warp_tv'}
GEN_TERMS = {'loss_gen_l1', 'loss_gen_rendered_l1', 'loss_gen_mask'}
DISTILL_TERMS = {'loss_distill_feature', 'loss_distill_flow'}
#: The loss terms of each synthetic stage (no VGG terms: the CPU configs have no VGG).
STAGE_TERMS = {
    'pbafn_warp': WARP_TERMS,
    'pbafn_tryon': WARP_TERMS | GEN_TERMS,
    'pfafn_warp': WARP_TERMS | DISTILL_TERMS,
    'pfafn_student': WARP_TERMS | DISTILL_TERMS | GEN_TERMS | {'loss_gen_skin_l1'},
    'cpvton_gmm': WARP_TERMS - {'loss_warp_tv'} | GEN_TERMS,  # TPS: no flow increments
}


def load_state(work_root, stage):
    return torch.load(osp.join(work_root, stage, 'epoch_1.pth'), map_location='cpu',
                      weights_only=True)['state_dict']


def prefixed(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


@pytest.fixture(scope='module')
def trained_stages(stage_runs):
    """The four stages trained in order, 1 epoch of 2 iterations each (once per session:
    the mobile student's tests reuse the teacher)."""
    return stage_runs.work_root, stage_runs.train_chain(STAGES)


@pytest.mark.parametrize('stage', STAGES)
def test_stage_trains_and_chains(trained_stages, stage):
    work_root, runners = trained_stages
    saved = load_state(work_root, stage)
    assert {k.split('.', 1)[0] for k in saved} == SAVED_NETWORKS[stage]
    assert saved.keys() == runners[stage].model.state_dict().keys()


def test_stage3_warp_initialised_from_stage2(trained_stages):
    """The student warp starts from the teacher's, except its condition branch and
    refine nets: the config's init as the Runner applies it (before training)."""
    work_root, runners = trained_stages
    stage2 = prefixed(load_state(work_root, 'pbafn_tryon'), 'warp_model.')
    model = MODELS.build(runners['pfafn_warp'].cfg.model)
    model.init_weights()
    copied = 0
    for key, value in model.warp_model.state_dict().items():
        if key.startswith(('cond_', 'warper.refine_nets')):
            assert not torch.equal(value, stage2[key]) or value.dtype == torch.int64, key
        else:
            assert torch.equal(value, stage2[key]), key
            copied += 1
    assert copied > 0


def test_student_initialised_from_previous_stage(trained_stages):
    work_root, runners = trained_stages
    stage3 = prefixed(load_state(work_root, 'pfafn_warp'), 'warp_model.')
    # the stage-4 model as its Runner builds and initialises it: warp = stage 3's
    model = MODELS.build(runners['pfafn_student'].cfg.model)
    fresh = {k: v.clone() for k, v in model.warp_model.state_dict().items()}
    model.init_weights()
    warp = model.warp_model.state_dict()
    assert warp.keys() == stage3.keys()
    for key, value in warp.items():
        assert torch.equal(value, stage3[key]), key
    assert any(not torch.equal(fresh[k], stage3[k]) for k in stage3 if 'weight' in k)
    # and the trained student started there: 2 small Adam steps away from stage 3,
    # far from a random initialisation
    trained = dict(runners['pfafn_student'].model.warp_model.named_parameters())
    to_stage3 = max((p - stage3[k]).abs().max().item() for k, p in trained.items())
    to_fresh = max((p - fresh[k]).abs().max().item() for k, p in trained.items())
    assert to_stage3 < 1e-3 < to_fresh, (to_stage3, to_fresh)
    # The frozen teacher carries the stage-2 weights and never trains.
    student = runners['pfafn_student'].model
    stage2 = load_state(work_root, 'pbafn_tryon')
    teacher = student.teacher.tryon.state_dict()
    assert teacher.keys() == stage2.keys()
    for key, value in stage2.items():
        assert torch.equal(teacher[key], value), key
    assert not any(p.requires_grad for p in student.teacher.parameters())
    assert not student.teacher.training


def test_frozen_vgg_stays_out_of_the_checkpoint(tiny_synthetic, tmp_path,
                                                unformatted_config_text):
    """With perceptual losses (random VGG19 layers up to relu2_1 here), the checkpoint
    still holds only the trained networks and loads back strictly."""
    register_all_modules()
    cfg = stage_config('pbafn_tryon', tiny_synthetic, str(tmp_path), num_train=2)
    cfg.model.pop('init_cfg')
    vgg = dict(type='VGGPerceptualLoss', pretrained=False, layers=('relu1_1', 'relu2_1'),
               layer_weights=(1.0, 1.0))
    cfg.model.warp_loss.vgg_loss = vgg
    cfg.model.gen_loss.vgg_loss = vgg
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.model.warp_loss.vgg_loss is runner.model.gen_loss.vgg_loss
    saved = load_state(str(tmp_path), 'pbafn_tryon')
    assert {k.split('.', 1)[0] for k in saved} == SAVED_NETWORKS['pbafn_tryon']
    fresh = MODELS.build(cfg.model)
    fresh.load_state_dict(saved, strict=True)


def _fixed_batch(cfg):
    dataloader = Runner.build_dataloader(cfg.train_dataloader)
    return next(iter(dataloader))


@pytest.mark.parametrize('stage', STAGES + ('cpvton_gmm',))
def test_loss_decreases_on_a_fixed_batch(tiny_synthetic, tmp_path, stage):
    register_all_modules()
    init_default_scope('vtonbox')
    cfg = stage_config(stage, tiny_synthetic, str(tmp_path))
    cfg.model.pop('init_cfg', None)
    if cfg.model.get('teacher'):
        cfg.model.teacher.checkpoint = None  # random teacher: enough to test learning
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    batch = _fixed_batch(cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=1e-3, betas=(0.5, 0.999))
    totals = []
    for _ in range(OVERFIT_STEPS):
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        assert set(losses) == STAGE_TERMS[stage]
        total = sum(v for v in losses.values())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(total.item())
    assert all(torch.isfinite(torch.tensor(totals)))
    assert totals[-1] < totals[0], totals
