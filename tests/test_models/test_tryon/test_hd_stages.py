"""The VITON-HD and DressCode CPU twins (configs/{viton_hd,dresscode}/synthetic/) at
512x384: synthetic data in both layouts passes the checker; every stage of PF-AFN, FS-VTON
and the mobile student trains through MMEngine's Runner, each initialised from / taught by
the checkpoints of the stages before it; ``tools/test.py`` evaluates the final students
with the dataset's protocol preset (SSIM on RGB, PSNR, LPIPS; FID / KID skipped without
Inception weights)."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tests.conftest import REPO_ROOT
from vtonbox.datasets import check_dataset
from vtonbox.datasets.synthetic import make_synthetic
from vtonbox.evaluation.functional.lpips import save_random_alexnet_weights
from vtonbox.evaluation.protocols import get_protocol
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import run_tool

SIZE = (512, 384)
#: dataset config folder -> (synthetic layout, evaluation protocol preset).
DATASETS = {'viton_hd': ('viton-hd', 'viton-hd'), 'dresscode': ('dresscode', 'dresscode')}
#: The stages in training order: PF-AFN (whose teacher also teaches the mobile student),
#: FS-VTON, the mobile student.
STAGES = ('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student',
          'fsvton_teacher_warp', 'fsvton_teacher_tryon', 'fsvton_warp', 'fsvton_student',
          'dmvton_warp', 'dmvton_student')
STUDENTS = ('pfafn_student', 'fsvton_student', 'dmvton_student')
#: What each stage's checkpoint holds.
SAVED_NETWORKS = {stage: {'warp_model'} if stage.endswith('warp') else
                  {'warp_model', 'generator'} for stage in STAGES}
#: Teacher condition channels of the twins (VITON-HD: DensePose rendering, 3 channels).
TEACHER_COND_CHANNELS = {'viton_hd': 23, 'dresscode': 45}
FINAL = 'epoch_1.pth'
#: The one training sample of each stage's single iteration (DressCode: its dresses item,
#: index 2 of upper_body, lower_body, dresses).
TRAIN_INDEX = {'viton_hd': 0, 'dresscode': 2}
#: Test pairs of the synthetic data (DressCode: one per category).
TEST_IMAGES = {'viton_hd': 2, 'dresscode': 3}


@pytest.fixture(scope='session')
def hd_data(tmp_path_factory):
    """Synthetic VITON-HD (2 train, 2 test) and DressCode (1 train, 1 test per category)
    at 512x384."""
    root = tmp_path_factory.mktemp('hd_data')
    roots = {}
    for name, (layout, _) in DATASETS.items():
        roots[name] = str(root / name)
        count = 2 if name == 'viton_hd' else 1
        make_synthetic(roots[name], layout, num_train=count, num_test=count, seed=0,
                       height=SIZE[0], width=SIZE[1])
    return roots


def twin_config(dataset: str, stage: str, data_root: str, work_root: str) -> Config:
    """``configs/<dataset>/synthetic/<stage>.py`` at its own size, on ``data_root``, for
    one training iteration on one sample (``TRAIN_INDEX``), no validation; earlier
    stages' checkpoints are read from ``work_root/<stage>/epoch_1.pth``."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', dataset, 'synthetic', f'{stage}.py'))
    cfg.work_dir = osp.join(work_root, stage)
    loader = cfg.train_dataloader
    loader.dataset.data_root = data_root
    loader.num_workers = 0
    loader.batch_size = 1
    loader.dataset.indices = [TRAIN_INDEX[dataset]]
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    for hook in cfg.get('custom_hooks', []):
        if 'switch_epoch' in hook:
            hook['switch_epoch'] = 1
    model = cfg.model
    if model.get('init_cfg'):
        source = osp.basename(osp.dirname(model.init_cfg.checkpoint))
        model.init_cfg.checkpoint = osp.join(work_root, source, FINAL)
    if model.get('teacher'):
        source = osp.basename(osp.dirname(model.teacher.checkpoint))
        model.teacher.checkpoint = osp.join(work_root, source, FINAL)
    return cfg


def load_state(work_root: str, stage: str) -> dict:
    return torch.load(osp.join(work_root, stage, FINAL), map_location='cpu',
                      weights_only=True)['state_dict']


@pytest.fixture(scope='module', params=list(DATASETS))
def trained(request, hd_data, tmp_path_factory, unformatted_config_text):
    """Every stage of one dataset trained in order: (dataset, work root, runners)."""
    register_all_modules()
    dataset = request.param
    work_root = str(tmp_path_factory.mktemp(f'{dataset}_stages'))
    runners = {}
    for stage in STAGES:
        runner = Runner.from_cfg(twin_config(dataset, stage, hd_data[dataset], work_root))
        runner.train()
        runners[stage] = runner
    return dataset, work_root, runners


@pytest.mark.parametrize('name', list(DATASETS))
def test_synthetic_data_passes_the_checker(hd_data, name):
    layout = DATASETS[name][0]
    for split in ('train', 'test'):
        report = check_dataset(hd_data[name], split, layout=layout)
        assert report.ok and report.num_samples > 0, (split, report.problems)


def test_every_stage_trains_and_chains(trained):
    dataset, work_root, runners = trained
    for stage, runner in runners.items():
        assert runner.iter == 1, stage
        saved = load_state(work_root, stage)
        assert {k.split('.', 1)[0] for k in saved} == SAVED_NETWORKS[stage], stage
        assert saved.keys() == runner.model.state_dict().keys(), stage
    # what the stages trained on: 512x384, the teacher inputs of the dataset's variant
    inputs = runners['pbafn_warp'].train_dataloader.dataset[0]['inputs']
    assert tuple(inputs['person'].shape[-2:]) == SIZE
    if dataset == 'viton_hd':  # the DensePose rendering, 3 channels
        assert inputs['densepose_onehot'].shape == (3, *SIZE)
    # the teachers read the dataset's condition (VITON-HD: 3-channel DensePose rendering)
    channels = TEACHER_COND_CHANNELS[dataset]
    assert runners['pbafn_warp'].model.warp_model.cond_channels == channels
    for student, teacher_stage in (('pfafn_student', 'pbafn_tryon'),
                                   ('fsvton_student', 'fsvton_teacher_tryon'),
                                   ('dmvton_student', 'pbafn_tryon')):
        teacher = runners[student].model.teacher
        assert teacher.tryon.warp_model.cond_channels == channels
        # the frozen teacher carries the stage-2 weights of its chain
        stage2 = load_state(work_root, teacher_stage)
        for key, value in teacher.tryon.state_dict().items():
            assert torch.equal(value, stage2[key]), (student, key)
    if dataset == 'dresscode':  # category 'all': the dresses set of repainted parts
        assert runners['pbafn_tryon'].model.arm_ids == tuple(range(7, 23))
        assert runners['pfafn_student'].model.teacher.tryon.arm_ids == tuple(range(7, 23))


@pytest.fixture(scope='module')
def test_tool():
    spec = importlib.util.spec_from_file_location(
        'vtonbox_test_tool_hd', osp.join(REPO_ROOT, 'tools', 'test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_test_tool_with_the_dataset_preset(trained, hd_data, test_tool, tmp_path, monkeypatch,
                                           capsys):
    """tools/test.py on each final student with ``--protocol <dataset preset>``: SSIM on
    RGB, PSNR and LPIPS (a random local AlexNet) on the paired pairs; without Inception
    weights FID / KID are skipped (tests/test_tools/test_test_tool.py computes them with
    a preset) and the unpaired run with them."""
    dataset, work_root, _ = trained
    preset = DATASETS[dataset][1]
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))  # no Inception file
    alexnet = save_random_alexnet_weights(str(tmp_path / 'alex.pth'))
    options = [f'val_evaluator.2.backbone_weights={alexnet}']
    for loader in ('val_dataloader', 'test_dataloader'):
        options += [f'{loader}.dataset.data_root={hd_data[dataset]}', f'{loader}.num_workers=0']
    for student in STUDENTS:
        out = tmp_path / f'{student}.json'
        config = osp.join(REPO_ROOT, 'configs', dataset, 'synthetic', f'{student}.py')
        code = run_tool(test_tool.main, [
            config, osp.join(work_root, student, FINAL), '--protocol', preset, '--work-dir',
            str(tmp_path / student), '--out', str(out), '--cfg-options', *options])
        assert code == 0, capsys.readouterr().err[-3000:]
        record = json.loads(out.read_text())
        assert record['protocol']['preset'] == get_protocol(preset).record_entry()
        assert record['protocol']['num_images'] == TEST_IMAGES[dataset]
        metrics = record['metrics']
        assert set(metrics) == {'SSIM-RGB', 'PSNR', 'LPIPS'}, (student, metrics)
        assert 0 < metrics['SSIM-RGB'] < 1 and metrics['PSNR'] > 0 and metrics['LPIPS'] > 0
        assert set(record['skipped']) == {'FID', 'KID'}
        assert list(record['protocol']['protocols']) == ['paired']
