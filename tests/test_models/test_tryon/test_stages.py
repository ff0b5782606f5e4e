"""The four PF-AFN stages and the CP-VTON baseline train through MMEngine's Runner on
synthetic data, each initialised from / taught by the previous stage's checkpoint."""
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

from .stage_configs import stage_config

STAGES = ('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student')
#: Optimisation steps on one fixed batch in the loss-decrease check.
OVERFIT_STEPS = 6


@pytest.fixture(scope='module')
def trained_stages(tiny_synthetic, tmp_path_factory):
    """Train the four stages in order, 1 epoch of 2 iterations each."""
    register_all_modules()
    work_root = str(tmp_path_factory.mktemp('stages'))
    runners = {}
    for stage in STAGES:
        cfg = stage_config(stage, tiny_synthetic, work_root)
        runner = Runner.from_cfg(cfg)
        runner.train()
        runners[stage] = runner
    return work_root, runners


@pytest.mark.parametrize('stage', STAGES)
def test_stage_trains_and_chains(trained_stages, stage):
    work_root, runners = trained_stages
    assert osp.isfile(osp.join(work_root, stage, 'epoch_1.pth'))
    model = runners[stage].model
    state = model.state_dict()
    assert not any(k.startswith('teacher.') for k in state), 'teacher must not be saved'
    assert not any('vgg' in k for k in state)


def test_student_initialised_from_previous_stage(trained_stages):
    work_root, runners = trained_stages
    student = runners['pfafn_student'].model
    # The frozen teacher carries the stage-2 weights and never trains.
    stage2 = torch.load(osp.join(work_root, 'pbafn_tryon', 'epoch_1.pth'), map_location='cpu',
                        weights_only=True)['state_dict']
    key = 'generator.model.model.0.weight'
    assert torch.equal(student.teacher.tryon.generator.state_dict()[key.split('.', 1)[1]],
                       stage2[key])
    assert not any(p.requires_grad for p in student.teacher.parameters())
    assert not student.teacher.training


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
        total = sum(v for v in losses.values())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(total.item())
    assert all(torch.isfinite(torch.tensor(totals)))
    assert totals[-1] < totals[0], totals
