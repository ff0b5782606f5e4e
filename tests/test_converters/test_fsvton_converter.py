"""Official FS-VTON weight converter: the FS-VTON key table of the shared converter, its
validation errors and the CLI end to end on random official-layout files ("aug" files
with the training filter ``aflow_net.weight`` and "non_aug" ones). Numeric parity:
tests/test_models/test_tryon/test_fsvton_parity.py."""
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.runner import load_checkpoint

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers import official_fsvton, official_pfafn
from tests.helpers.official_fsvton import GEN_FILE, WARP_FILE, random_official_state_dicts
from vtonbox.converters.official_weights import (
    ENCODER_PREFIX_RENAMES,
    FSVTON_SPEC,
    PFAFN_SPEC,
    WARP_PREFIX_RENAMES,
    OfficialWeightsError,
    WeightsMismatchError,
    build_model_from_config,
    check_official_inputs,
    convert_official_state_dicts,
    official_to_vtonbox_keys,
    vtonbox_to_official_key,
)
from vtonbox.models.warpers.style_flow_warper import OFFICIAL_KEY_RENAMES
from vtonbox.utils.cli import run_tool

TOOL = osp.join(REPO_ROOT, 'tools', 'model_converters', 'fsvton_to_vtonbox.py')
PFAFN_TOOL = osp.join(REPO_ROOT, 'tools', 'model_converters', 'pfafn_to_vtonbox.py')
CONFIG = osp.join(REPO_ROOT, 'configs', 'fsvton_student.py')
NUM_WARP_KEYS, NUM_GEN_KEYS = 464, 261
#: Seconds for the CLI subprocess (imports + building the model on a shared CPU).
CLI_TIMEOUT = 300


def load_tool(path=TOOL):
    spec = importlib.util.spec_from_file_location(osp.splitext(osp.basename(path))[0], path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.fixture(scope='module')
def model():
    return build_model_from_config(CONFIG)


@pytest.fixture(scope='module')
def official_zeros():
    return random_official_state_dicts(zeros=True)


@pytest.fixture
def official(official_zeros):
    warp, gen = official_zeros
    return dict(warp), dict(gen)


def convert(warp, gen, model):
    return convert_official_state_dicts(warp, gen, model, spec=FSVTON_SPEC)


def test_spec_shares_the_encoder_table_and_the_warper_renames():
    assert FSVTON_SPEC.warp_renames == ENCODER_PREFIX_RENAMES + tuple(OFFICIAL_KEY_RENAMES)
    assert PFAFN_SPEC.warp_renames == WARP_PREFIX_RENAMES
    assert WARP_PREFIX_RENAMES[:len(ENCODER_PREFIX_RENAMES)] == ENCODER_PREFIX_RENAMES
    assert FSVTON_SPEC.default_config == 'configs/fsvton_student.py'
    assert FSVTON_SPEC.ignored_warp_keys == PFAFN_SPEC.ignored_warp_keys == \
        ('aflow_net.weight',)
    parser = load_tool().parse_args(['--warp', 'w', '--gen', 'g', '--out', 'o'])
    assert parser.config == 'configs/fsvton_student.py'


def test_every_official_key_maps_onto_the_model(model, official):
    warp, gen = official
    renamed, ignored, unknown = official_to_vtonbox_keys(warp, gen, FSVTON_SPEC)
    assert not ignored and not unknown
    assert set(renamed) == set(model.state_dict())
    assert (len(warp), len(gen)) == (NUM_WARP_KEYS, NUM_GEN_KEYS)
    # modulated convs keep the equalised-lr name weight_orig
    assert 'warp_model.warper.flow_nets.2.conv1.mlp_class_std.linear.weight_orig' in renamed
    for key in model.state_dict():  # the message helper inverts the mapping
        part, official_key = vtonbox_to_official_key(key, FSVTON_SPEC).split(':', 1)
        assert official_key in (warp if part == 'warp' else gen)


@pytest.mark.parametrize('release', ['non_aug', 'aug'])
def test_convert_maps_values_of_both_releases(model, official, release):
    warp, gen = official
    if release == 'aug':  # a file saved after a training step
        warp['aflow_net.weight'] = torch.zeros(4, 1, 3, 3)
    warp['aflow_net.netStyle.2.conv0.mlp_class_std.linear.weight_orig'] = torch.ones(256, 256)
    warp['aflow_net.netF.4.conv1.bias'] = torch.tensor([1.5, -2.5]).view(1, 2, 1, 1)
    warp['aflow_net.image_style.0.bias'] = torch.arange(128.)
    warp['aflow_net.cond_style.0.bias'] = -torch.arange(128.)
    gen['model.model.4.model.1.running_var'] = torch.full((128,), 3.0)
    result = convert(warp, gen, model)
    assert (result.num_warp_keys, result.num_generator_keys) == (NUM_WARP_KEYS, NUM_GEN_KEYS)
    assert result.ignored_keys == (['warp:aflow_net.weight'] if release == 'aug' else [])
    warper = model.warp_model.warper
    assert torch.equal(warper.style_nets[2].conv0.mlp_class_std.linear.weight_orig,
                       torch.ones(256, 256))
    assert torch.equal(warper.flow_nets[4].conv1.bias, torch.tensor([1.5, -2.5]).view(1, 2, 1, 1))
    assert torch.equal(warper.cloth_style[0].bias, torch.arange(128.))
    assert torch.equal(warper.cond_style[0].bias, -torch.arange(128.))
    assert torch.equal(model.generator.model.model[4].model[1].running_var,
                       torch.full((128,), 3.0))


def test_missing_misnamed_and_mis_shaped_keys_are_listed_by_official_names(model, official):
    warp, gen = official
    del warp['aflow_net.netF.2.conv1.mlp_class_std.linear.weight_orig']
    warp['aflow_net.netStyle.1.conv0.mlp_class_std.linear.weight'] = \
        warp.pop('aflow_net.netStyle.1.conv0.mlp_class_std.linear.weight_orig')
    warp['aflow_net.cond_style.0.weight'] = torch.zeros(128, 256, 16, 12)
    with pytest.raises(WeightsMismatchError) as info:
        convert(warp, gen, model)
    error, message = info.value, str(info.value)
    assert error.missing == ['warp:aflow_net.netStyle.1.conv0.mlp_class_std.linear.weight_orig',
                             'warp:aflow_net.netF.2.conv1.mlp_class_std.linear.weight_orig']
    assert error.unexpected == ['warp:aflow_net.netStyle.1.conv0.mlp_class_std.linear.weight']
    assert message.startswith('the official FS-VTON weights and the model do not match: ')
    assert ('warp:aflow_net.cond_style.0.weight (weights [128, 256, 16, 12] vs model '
            '[128, 256, 8, 6])') in message
    assert '\n' not in message


def test_pfafn_warp_file_is_recognised(model, official):
    pfafn_warp, _ = official_pfafn.random_official_state_dicts(zeros=True)
    _, gen = official
    with pytest.raises(OfficialWeightsError) as info:
        convert(pfafn_warp, gen, model)
    assert str(info.value) == (
        '--warp holds PF-AFN warp weights (aflow_net.netMain.*), not FS-VTON ones (--warp): '
        'convert it with python tools/model_converters/pfafn_to_vtonbox.py (for '
        'configs/pfafn_student.py), or pass the FS-VTON PFAFN_warp_epoch_101.pth')


def test_fsvton_warp_file_is_recognised_by_the_pfafn_converter(official):
    warp, gen = official
    with pytest.raises(OfficialWeightsError) as info:
        check_official_inputs(warp, gen, 'a.pth', 'b.pth', PFAFN_SPEC)
    assert str(info.value) == (
        '--warp holds FS-VTON warp weights (aflow_net.netStyle.*, aflow_net.netF.*), not '
        'PF-AFN ones (a.pth): convert it with python '
        'tools/model_converters/fsvton_to_vtonbox.py (for configs/fsvton_student.py), or '
        'pass the PF-AFN warp_model_final.pth')


# ----------------------------------------------------------------------------- the CLI
def save_official(folder, warp, gen, wrap=False):
    if wrap:  # DataParallel-style prefix inside a state_dict wrapper
        warp = dict(state_dict={f'module.{k}': v for k, v in warp.items()})
    torch.save(warp, folder / WARP_FILE)
    torch.save(gen, folder / GEN_FILE)
    return str(folder / WARP_FILE), str(folder / GEN_FILE)


@pytest.mark.parametrize('release', ['non_aug', 'aug'])
def test_cli_end_to_end(tmp_path, capsys, release):
    warp, gen = official_fsvton.random_official_state_dicts(
        seed=1, training_filter=release == 'aug')
    warp_path, gen_path = save_official(tmp_path, warp, gen, wrap=release == 'aug')
    out = tmp_path / release / 'fsvton_official.pth'
    status = load_tool().main(['--warp', warp_path, '--gen', gen_path, '--out', str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    assert (f'mapped {NUM_WARP_KEYS} warp keys ({warp_path}) and {NUM_GEN_KEYS} generator '
            f'keys ({gen_path}) onto ParserFreeTryOn of configs/fsvton_student.py; loaded '
            'with strict=True') in printed
    ignored = 'warp:aflow_net.weight' if release == 'aug' else 'none'
    assert f'ignored input keys: {ignored}\n' in printed
    assert f'written: {out}' in printed
    checkpoint = torch.load(out, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['config'] == 'configs/fsvton_student.py'
    assert 'CC BY-NC-SA 4.0' in checkpoint['meta']['license']
    target = build_model_from_config(CONFIG)
    load_checkpoint(target, str(out), map_location='cpu', strict=True, logger='silent')
    assert torch.equal(target.warp_model.warper.style_nets[0].conv1.weight,
                       warp['aflow_net.netStyle.0.conv1.weight'])


def cli_error(capsys, *argv, tool=TOOL):
    """The one ``error:`` line (exit 2, no traceback) of the converter for ``argv``."""
    capsys.readouterr()
    status = run_tool(load_tool(tool).main, list(argv))
    err = capsys.readouterr().err
    assert status == 2 and 'Traceback' not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    return lines[0]


def test_cli_swapped_inputs(tmp_path, official, capsys):
    warp_path, gen_path = save_official(tmp_path, *official)
    out = tmp_path / 'out.pth'
    line = cli_error(capsys, '--warp', gen_path, '--gen', warp_path, '--out', str(out))
    assert line == ('error: --warp and --gen look swapped: --warp holds generator keys '
                    '(model.*) and --gen warp keys (image_features.*, aflow_net.*) '
                    f'({gen_path}, {warp_path}): pass them the other way round: --warp '
                    'PFAFN_warp_epoch_101.pth --gen PFAFN_gen_epoch_101.pth')
    assert not out.exists()


def test_cli_same_kind_twice(tmp_path, official, capsys):
    warp_path, _ = save_official(tmp_path, *official)
    line = cli_error(capsys, '--warp', warp_path, '--gen', warp_path, '--out',
                     str(tmp_path / 'o.pth'))
    assert line == (f'error: --gen holds warp weights too (keys like those of --warp) '
                    f'({warp_path}): pass the official PFAFN_gen_epoch_101.pth as --gen')


@pytest.mark.parametrize('layout', ['mmengine', 'state_dict'])
def test_cli_already_converted_checkpoint(tmp_path, official, capsys, layout):
    warp, gen = official
    _, gen_path = save_official(tmp_path, warp, gen)
    converted = tmp_path / 'fsvton_official.pth'
    state = {f'warp_model.{k}': v for k, v in list(warp.items())[:3]}
    state.update({f'generator.{k}': v for k, v in list(gen.items())[:3]})
    torch.save(dict(state_dict=state, meta=dict(iter=1)) if layout == 'mmengine' else state,
               converted)
    line = cli_error(capsys, '--warp', str(converted), '--gen', gen_path, '--out',
                     str(tmp_path / 'o.pth'))
    what = ('it has `meta` and `state_dict`' if layout == 'mmengine'
            else 'keys warp_model.*, generator.*')
    assert line == (f'error: --warp is already converted ({what}): a vtonbox checkpoint '
                    f'({converted}): no conversion needed; use it directly, e.g. python '
                    f'tools/test.py configs/fsvton_student.py {converted}')


def test_cli_pfafn_files_point_to_the_pfafn_converter(tmp_path, capsys):
    warp, gen = official_pfafn.random_official_state_dicts(zeros=True)
    warp_path, gen_path = save_official(tmp_path, warp, gen)
    line = cli_error(capsys, '--warp', warp_path, '--gen', gen_path, '--out',
                     str(tmp_path / 'o.pth'))
    assert line == (f'error: --warp holds PF-AFN warp weights (aflow_net.netMain.*), not '
                    f'FS-VTON ones ({warp_path}): convert it with python '
                    'tools/model_converters/pfafn_to_vtonbox.py (for configs/pfafn_student.py)'
                    ', or pass the FS-VTON PFAFN_warp_epoch_101.pth')


def test_pfafn_cli_points_fsvton_files_to_this_converter(tmp_path, official, capsys):
    warp_path, gen_path = save_official(tmp_path, *official)
    line = cli_error(capsys, '--warp', warp_path, '--gen', gen_path, '--out',
                     str(tmp_path / 'o.pth'), tool=PFAFN_TOOL)
    assert line.startswith('error: --warp holds FS-VTON warp weights (aflow_net.netStyle.*, '
                           'aflow_net.netF.*), not PF-AFN ones')
    assert line.endswith('convert it with python tools/model_converters/fsvton_to_vtonbox.py '
                         '(for configs/fsvton_student.py), or pass the PF-AFN '
                         'warp_model_final.pth')


def test_cli_missing_config(tmp_path, capsys):
    config = tmp_path / 'nope.py'
    line = cli_error(capsys, '--warp', 'a.pth', '--gen', 'b.pth', '--out', 'o.pth',
                     '--config', str(config))
    assert line == (f'error: config file not found ({config}): check the path (the released '
                    'weights fit configs/fsvton_student.py)')


def test_cli_missing_input_file(tmp_path, capsys):
    absent = tmp_path / 'absent.pth'
    line = cli_error(capsys, '--warp', str(absent), '--gen', str(absent), '--out',
                     str(tmp_path / 'o.pth'))
    assert line == f'error: checkpoint not found ({absent}): check the path'


def test_cli_subprocess_exits_nonzero_listing_keys(tmp_path, official_zeros):
    warp, gen = official_zeros
    torch.save({k: warp[k] for k in list(warp)[:2]}, tmp_path / WARP_FILE)
    torch.save(dict(gen, extra_head=torch.zeros(1)), tmp_path / GEN_FILE)
    result = subprocess.run(
        [sys.executable, TOOL, '--warp', str(tmp_path / WARP_FILE), '--gen',
         str(tmp_path / GEN_FILE), '--out', str(tmp_path / 'out.pth')],
        cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert result.returncode == 2, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f'error: the official FS-VTON weights and the model do not match: '
        f'{NUM_WARP_KEYS - 2} missing key(s): '
        'warp:image_features.encoders.0.0.block.0.running_mean, ')
    assert (f', ... and {NUM_WARP_KEYS - 6} more; 1 unexpected key(s): generator:extra_head'
            in lines[0])
    assert not (tmp_path / 'out.pth').exists()
