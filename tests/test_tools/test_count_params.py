"""tools/analysis/count_params.py: per-network parameter counts without weight files."""
import importlib.util
import json
import os.path as osp
from collections import defaultdict

import torch
from torch import nn

from tests.conftest import REPO_ROOT
from tests.helpers.official_pfafn import GEN_FILE, WARP_FILE, read_key_table
from vtonbox.utils.model_loading import offline_model_config

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'count_params.py')
#: BatchNorm statistics are buffers, not parameters.
BUFFER_SUFFIXES = ('running_mean', 'running_var', 'num_batches_tracked')


def load_tool():
    spec = importlib.util.spec_from_file_location('count_params', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def official_parameter_counts():
    """Parameters of the released PF-AFN files, from the key table (independent source)."""
    counts = defaultdict(int)
    for entry in read_key_table():
        if not entry.key.endswith(BUFFER_SUFFIXES):
            counts[entry.file] += int(torch.Size(entry.shape).numel())
    return counts


def test_student_counts_match_official_files(tmp_path, capsys):
    out = tmp_path / 'params.json'
    assert load_tool().main([osp.join(REPO_ROOT, 'configs', 'pfafn_student.py'),
                             '--json', str(out)]) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    official = official_parameter_counts()
    assert (official[WARP_FILE], official[GEN_FILE]) == (29_304_416, 43_899_968)
    assert result['inference']['parts'] == dict(warp_model=official[WARP_FILE],
                                                generator=official[GEN_FILE])
    rows = {row['name']: row for row in result['rows']}
    assert rows['warp_model']['trainable'] == official[WARP_FILE]
    assert sum(rows[f'warp_model.{part}']['trainable'] for part in (
        'cloth_encoder', 'cond_encoder', 'cloth_fpn', 'cond_fpn', 'warper')) \
        == official[WARP_FILE]
    assert rows['teacher']['trainable'] == 0 and rows['teacher']['frozen'] > 0
    # one VGG shared by both losses: counted once, at the warp loss
    assert rows['gen_loss']['shared_with'] == ['warp_loss']
    assert rows['gen_loss']['frozen'] == 0
    vgg = rows['warp_loss']['frozen']
    assert result['training'] == dict(trainable=official[WARP_FILE] + official[GEN_FILE],
                                      frozen=vgg + rows['teacher']['frozen'])
    assert 'inference model: 73.20 M (warp_model 29.30 M, generator 43.90 M)' in printed


def test_configs_are_made_file_free():
    """The training model the tool counts keeps its teacher and losses, without files."""
    cfg = dict(type='X', init_cfg=dict(type='PartialPretrained', checkpoint='a.pth'),
               losses=[dict(type='VGGPerceptualLoss', weights='vgg.pth')],
               teacher=dict(type='ParserBasedTeacher', checkpoint='t.pth'))
    assert offline_model_config(cfg, keep_training_parts=True) == dict(
        type='X', losses=[dict(type='VGGPerceptualLoss', weights='vgg.pth', pretrained=False)],
        teacher=dict(type='ParserBasedTeacher', checkpoint=None))
    assert cfg['teacher']['checkpoint'] == 't.pth' and 'init_cfg' in cfg  # a copy
    assert offline_model_config(cfg) == dict(
        type='X', losses=[dict(type='VGGPerceptualLoss', weights='vgg.pth', pretrained=False)],
        teacher=None)


def test_rows_count_shared_parameters_once():
    tool = load_tool()
    shared = nn.Linear(2, 2)  # 6 parameters
    model = nn.Module()
    model.first = nn.Sequential(shared, nn.Linear(2, 1))  # + 3
    model.second = nn.Sequential(shared)
    model.frozen = nn.Linear(3, 1).requires_grad_(False)  # 4
    rows = {row['name']: row for row in tool.count_rows(model, depth=2)}
    assert (rows['first']['trainable'], rows['first.0']['trainable']) == (9, 6)
    assert rows['second']['trainable'] == 0 and rows['second']['shared_with'] == ['first']
    assert rows['second.0']['shared_with'] == ['first']
    assert (rows['frozen']['trainable'], rows['frozen']['frozen']) == (0, 4)
    assert tool.unique_totals(model) == dict(trainable=9, frozen=4)
