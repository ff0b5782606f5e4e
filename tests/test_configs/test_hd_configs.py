"""The VITON-HD and DressCode configs: one size value reaches every pipeline, batch size and
work dir (through ``VTONBOX_IMG_SIZE``), as do the DensePose variant and the DressCode
category; bad values are one-line errors; the pipelines are those the datasets were
tested with; the evaluators follow the protocol presets; each stage names the final
checkpoint of the stage before it; no config is more than 3 ``_base_`` levels deep."""
import ast
import glob
import importlib.util
import inspect
import os.path as osp
import re

import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from tests.helpers.dataset_pipelines import (
    dresscode_train_pipeline,
    inference_pipeline,
    viton_hd_train_pipeline,
)
from vtonbox.datasets.labels import DENSEPOSE_INPUT_CHANNELS, TEACHER_DENSEPOSE_IDS
from vtonbox.evaluation.protocols import protocol_evaluators
from vtonbox.registry import METRICS
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import run_tool
from vtonbox.utils.model_loading import load_config

DATASET_DIRS = ('viton_hd', 'dresscode')
#: Dataset folder -> its dataset base and evaluation protocol preset.
DATASET_BASES = {'viton_hd': ('configs/_base_/datasets/viton_hd.py', 'viton-hd'),
                 'dresscode': ('configs/_base_/datasets/dresscode.py', 'dresscode')}
EXPERIMENTS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'viton_hd', '*.py')) +
                     glob.glob(osp.join(REPO_ROOT, 'configs', 'dresscode', '*.py')))
TWINS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'viton_hd', 'synthetic', '*.py')) +
               glob.glob(osp.join(REPO_ROOT, 'configs', 'dresscode', 'synthetic', '*.py')))
#: Per-GPU batch of each stage's method at 512x384 (PF-AFN and FS-VTON: upstream's 4;
#: DM-VTON: its reference 8 / 6).
BATCH_512 = {'pbafn': 4, 'pfafn': 4, 'fsvton': 4, 'dmvton_warp': 8, 'dmvton_student': 6}
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
ENV_NAMES = ('VTONBOX_IMG_SIZE', 'VTONBOX_VITON_HD_DENSEPOSE', 'VTONBOX_DRESSCODE_CATEGORY')


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def rel(path):
    return osp.relpath(path, REPO_ROOT)


def dataset_of(path):
    return rel(path).split(osp.sep)[1]


def stage_of(path):
    return osp.splitext(osp.basename(path))[0]


def batch_key(stage):
    return stage if stage.startswith('dmvton') else stage.split('_')[0]


def resize_sizes(cfg):
    """Every ResizePad size of the dataloaders and of ``test_pipeline``."""
    sizes = []

    def walk(node):
        if isinstance(node, dict):
            if node.get('type') == 'ResizePad':
                sizes.append(tuple(node['size']))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    for key in DATALOADERS + ('test_pipeline', ):
        walk(cfg.get(key))
    return sizes


@pytest.mark.parametrize('size', [(512, 384), (1024, 768), (256, 192)])
def test_one_size_value_reaches_everything(size, monkeypatch):
    """Default 512x384; VTONBOX_IMG_SIZE changes every pipeline, the top-level img_size,
    the per-GPU batch (halved per doubling of the pixels above 512x384, never below 1)
    and the work dirs, and each stage then reads the checkpoints of its own size."""
    if size != (512, 384):
        monkeypatch.setenv('VTONBOX_IMG_SIZE', f'{size[0]}x{size[1]}')
    ratio = max(1.0, size[0] * size[1] / (512 * 384))
    # 256x192 checks the batch floor of the experiments; the twins are covered at the others
    for path in EXPERIMENTS + (TWINS if ratio > 1 or size == (512, 384) else []):
        cfg = Config.fromfile(path)
        assert cfg.img_size == size, rel(path)
        sizes = resize_sizes(cfg)
        assert sizes and set(sizes) == {size}, (rel(path), sizes)
        if path in EXPERIMENTS:
            expected = max(1, int(BATCH_512[batch_key(stage_of(path))] / ratio))
            assert cfg.train_dataloader.batch_size == expected, rel(path)
            run = f'{size[0]}x{size[1]}'
            checkpoints = [cfg.model.get('init_cfg', {}).get('checkpoint'),
                           cfg.model.get('teacher', {}).get('checkpoint')]
            for value in [cfg.work_dir] + [c for c in checkpoints if c]:
                assert value.startswith(f'work_dirs/{dataset_of(path)}_') and run in value, \
                    (rel(path), value)


def test_cfg_options_img_size_alone_does_not_reach_the_pipelines():
    """Why the size comes from the environment (train_test.md): MMEngine fixes derived
    values when the file is read, so ``--cfg-options img_size=...`` changes the variable
    only."""
    cfg = load_config(osp.join(REPO_ROOT, 'configs', 'viton_hd', 'pfafn_student.py'),
                      {'img_size': (1024, 768)})
    assert cfg.img_size == (1024, 768)
    assert set(resize_sizes(cfg)) == {(512, 384)}


@pytest.fixture(scope='module')
def train_tool():
    spec = importlib.util.spec_from_file_location(
        'vtonbox_train_tool_hd', osp.join(REPO_ROOT, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name, value, config', [
    ('VTONBOX_IMG_SIZE', '1000x768', 'configs/viton_hd/pbafn_warp.py'),
    ('VTONBOX_IMG_SIZE', '1024,768', 'configs/dresscode/pbafn_warp.py'),
    ('VTONBOX_VITON_HD_DENSEPOSE', 'onehot', 'configs/viton_hd/pbafn_warp.py'),
    ('VTONBOX_DRESSCODE_CATEGORY', 'shoes', 'configs/dresscode/pbafn_warp.py'),
])
def test_bad_environment_value_is_one_line(name, value, config, train_tool, monkeypatch,
                                           capsys, tmp_path):
    monkeypatch.setenv(name, value)
    code = run_tool(train_tool.main, [config, '--work-dir', str(tmp_path / 'w')])
    err = capsys.readouterr().err
    assert code == 2 and 'Traceback' not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith('error: ') and f'{name}={value!r}' in err and config in err, err
    assert not (tmp_path / 'w').exists()


def test_the_pipelines_are_the_tested_ones():
    """The dataset bases build the pipelines the dataset tests ran
    (tests/helpers/dataset_pipelines.py), with the deferred maps."""
    def normalised(pipeline):  # GeneratePoseMap's radius 5 (at 256 px) is its default
        return [{k: v for k, v in step.items() if (step['type'], k) != ('GeneratePoseMap',
                                                                      'radius') or v != 5}
                for step in pipeline]

    hd = Config.fromfile(osp.join(REPO_ROOT, DATASET_BASES['viton_hd'][0]))
    assert normalised(hd.viton_hd_train_pipeline) == viton_hd_train_pipeline(
        (512, 384), 'rgb', defer=True)
    assert hd.viton_hd_test_pipeline == inference_pipeline((512, 384))
    dc = Config.fromfile(osp.join(REPO_ROOT, DATASET_BASES['dresscode'][0]))
    assert normalised(dc.dresscode_train_pipeline) == dresscode_train_pipeline(
        (512, 384), defer=True)
    assert dc.dresscode_test_pipeline == inference_pipeline((512, 384))


def test_viton_hd_densepose_variants(monkeypatch):
    """rgb (default): 23 teacher channels, the rendering loaders; parts: 45, the part-id
    one-hot (deferred), the dataset reads image-densepose-parts, its own work dirs."""
    expected = {fmt: 2 + channels + 18 for fmt, channels in DENSEPOSE_INPUT_CHANNELS.items()}
    for fmt in ('rgb', 'parts'):
        monkeypatch.setenv('VTONBOX_VITON_HD_DENSEPOSE', fmt)
        cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'viton_hd', 'pfafn_student.py'))
        assert cfg.model.teacher.tryon.warp_model.cond_channels == expected[fmt]
        dataset = cfg.train_dataloader.dataset
        assert dataset.densepose_format == fmt
        types = [step['type'] for step in dataset.pipeline]
        if fmt == 'rgb':
            assert {'LoadDensePoseRendering', 'DensePoseRenderingToInput',
                    'DensePosePartsFromParsing'} <= set(types)
            assert 'DensePoseToOneHot' not in types
        else:
            assert {'LoadDensePose', 'DensePoseToOneHot'} <= set(types)
            assert 'LoadDensePoseRendering' not in types
            assert '_densepose_parts/' in cfg.model.teacher.checkpoint
        twin = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'viton_hd', 'synthetic',
                                        'pbafn_warp.py'))
        assert twin.model.warp_model.cond_channels == expected[fmt]


@pytest.mark.parametrize('category', ['all', 'upper_body', 'lower_body', 'dresses'])
def test_dresscode_category(category, monkeypatch):
    """One value sets the data, the teacher's DensePose regions (labels.
    TEACHER_DENSEPOSE_IDS; 'all' uses the dresses set) and the work dirs."""
    if category != 'all':
        monkeypatch.setenv('VTONBOX_DRESSCODE_CATEGORY', category)
    ids = TEACHER_DENSEPOSE_IDS['dresses' if category == 'all' else category]
    for name in ('pbafn_tryon', 'fsvton_student', 'dmvton_warp'):
        for path in (osp.join(REPO_ROOT, 'configs', 'dresscode', f'{name}.py'),
                     osp.join(REPO_ROOT, 'configs', 'dresscode', 'synthetic', f'{name}.py')):
            cfg = Config.fromfile(path)
            tryon = cfg.model.teacher.tryon if 'teacher' in cfg.model else cfg.model
            assert (tryon.hand_ids, tryon.arm_ids) == (ids['hand_ids'], ids['arm_ids'])
            for key in DATALOADERS:
                if cfg.get(key) is not None:
                    assert cfg[key].dataset.category == category, (rel(path), key)
            if path.startswith(osp.join(REPO_ROOT, 'configs', 'dresscode', f'{name}.py')):
                assert cfg.work_dir.startswith(f'work_dirs/dresscode_{category}_512x384/')
    base = Config.fromfile(osp.join(REPO_ROOT, DATASET_BASES['dresscode'][0]))
    assert base.dresscode_teacher_densepose_ids_by_category == TEACHER_DENSEPOSE_IDS


def _metric_defaults(entry):
    register_all_modules()
    parameters = inspect.signature(METRICS.get(entry['type']).__init__).parameters
    return {k: p.default for k, p in parameters.items() if p.default is not p.empty}


@pytest.mark.parametrize('dataset', DATASET_DIRS)
def test_evaluators_follow_the_preset(dataset):
    """The dataset base's metrics are the preset's (same settings; LPIPS is left to
    ``tools/test.py --protocol``), and the try-on stages of the folder use them."""
    base_path, preset = DATASET_BASES[dataset]
    base = Config.fromfile(osp.join(REPO_ROOT, base_path))
    for setting, key in (('paired', 'val_evaluator'), ('unpaired', 'test_evaluator')):
        entries = base[f'{dataset}_{key}']
        preset_entries = {e['type']: e for e in protocol_evaluators(preset, setting)}
        assert [e['type'] for e in entries] == [t for t in preset_entries if t != 'LPIPS']
        for entry in entries:
            settings = dict(_metric_defaults(entry), **entry)
            assert all(settings[k] == v for k, v in preset_entries[entry['type']].items()), entry
        for stage in ('pbafn_tryon', 'pfafn_student', 'fsvton_teacher_tryon', 'fsvton_student',
                      'dmvton_student'):
            cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', dataset, f'{stage}.py'))
            assert cfg[key] == entries, (stage, key)


@pytest.mark.parametrize('path', EXPERIMENTS, ids=rel)
def test_each_stage_reads_the_final_checkpoint_of_the_stage_before(path):
    """init_cfg and teacher name ``<that stage's work_dir>/epoch_<its max_epochs>.pth``,
    and their ``made_by`` commands train that stage's config of this folder."""
    cfg = Config.fromfile(path)
    folder = osp.dirname(path)
    sources = [cfg.model.get('init_cfg'), cfg.model.get('teacher')]
    for source in [s for s in sources if s]:
        stage = osp.basename(osp.dirname(source.checkpoint))
        before = Config.fromfile(osp.join(folder, f'{stage}.py'))
        assert source.checkpoint == \
            f'{before.work_dir}/epoch_{before.train_cfg.max_epochs}.pth', rel(path)
        assert source.made_by == f'python tools/train.py {rel(osp.join(folder, stage + ".py"))}'
    assert cfg.work_dir == f'work_dirs/{dataset_of(path)}' + \
        ('_all' if dataset_of(path) == 'dresscode' else '') + f'_512x384/{stage_of(path)}'


def base_depth(path):
    """Longest chain of ``_base_`` files above ``path``."""
    match = re.search(r"^_base_ = (\[.*?\]|'.*?')", open(path).read(), re.S | re.M)
    if match is None:
        return 0
    bases = ast.literal_eval(match.group(1))
    bases = [bases] if isinstance(bases, str) else bases
    return 1 + max(base_depth(osp.normpath(osp.join(osp.dirname(path), b))) for b in bases)


def test_no_config_is_more_than_3_base_levels_deep():
    """Configs inherit at most 3 levels deep (the project's config style): the twins inherit the
    VITON configs (3 levels for stages 1 and 2), not the VITON-HD / DressCode ones."""
    paths = EXPERIMENTS + TWINS + [osp.join(REPO_ROOT, base) for base, _ in
                                   DATASET_BASES.values()]
    depths = {rel(p): base_depth(p) for p in paths}
    assert max(depths.values()) == 3, depths
