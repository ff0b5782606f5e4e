"""Official FS-VTON weight converter: the FS-VTON key table of the shared converter, its
validation errors and the CLI end to end on random official-layout files ("aug" files
with the training filter ``aflow_net.weight`` and "non_aug" ones). Numeric parity:
tests/test_models/test_tryon/test_fsvton_parity.py."""
from functools import partial

import pytest
import torch

from tests.helpers import converter_cases as cases
from tests.helpers import official_fsvton, official_pfafn
from tests.helpers.official_fsvton import GEN_FILE, WARP_FILE, random_official_state_dicts
from vtonbox.converters.official_weights import (
    ENCODER_PREFIX_RENAMES,
    FSVTON_SPEC,
    PFAFN_SPEC,
    WARP_PREFIX_RENAMES,
    OfficialWeightsError,
    WeightsMismatchError,
    check_official_inputs,
    convert_official_state_dicts,
)
from vtonbox.models.warpers.style_flow_warper import OFFICIAL_KEY_RENAMES

CONFIG = cases.config_path('fsvton')
NUM_WARP_KEYS, NUM_GEN_KEYS = 464, 261

model, official_zeros, official = cases.official_fixtures(CONFIG, random_official_state_dicts)
cli_error = partial(cases.cli_error, method='fsvton')


def convert(warp, gen, model):
    return convert_official_state_dicts(warp, gen, model, spec=FSVTON_SPEC)


def test_spec_shares_the_encoder_table_and_the_warper_renames():
    assert FSVTON_SPEC.warp_renames == ENCODER_PREFIX_RENAMES + tuple(OFFICIAL_KEY_RENAMES)
    assert PFAFN_SPEC.warp_renames == WARP_PREFIX_RENAMES
    assert WARP_PREFIX_RENAMES[:len(ENCODER_PREFIX_RENAMES)] == ENCODER_PREFIX_RENAMES
    assert FSVTON_SPEC.default_config == 'configs/fsvton_student.py'
    assert FSVTON_SPEC.ignored_warp_keys == PFAFN_SPEC.ignored_warp_keys == \
        ('aflow_net.weight',)
    parser = cases.load_converter('fsvton').parse_args(['--warp', 'w', '--gen', 'g', '--out', 'o'])
    assert parser.config == 'configs/fsvton_student.py'


def test_every_official_key_maps_onto_the_model(model, official):
    warp, gen = official
    renamed = cases.check_keys_map_onto_model(model, warp, gen, FSVTON_SPEC)
    assert (len(warp), len(gen)) == (NUM_WARP_KEYS, NUM_GEN_KEYS)
    # modulated convs keep the equalised-lr name weight_orig
    assert 'warp_model.warper.flow_nets.2.conv1.mlp_class_std.linear.weight_orig' in renamed


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
    return cases.save_pair(folder, warp, gen, WARP_FILE, GEN_FILE)


@pytest.mark.parametrize('release', ['non_aug', 'aug'])
def test_cli_end_to_end(tmp_path, capsys, release):
    warp, gen = official_fsvton.random_official_state_dicts(
        seed=1, training_filter=release == 'aug')
    warp_path, gen_path = save_official(tmp_path, warp, gen, wrap=release == 'aug')
    out = tmp_path / release / 'fsvton_official.pth'
    ignored = 'warp:aflow_net.weight' if release == 'aug' else 'none'
    printed, _, target = cases.check_cli_converts(capsys, 'fsvton', warp_path, gen_path, out,
                                                  NUM_WARP_KEYS, NUM_GEN_KEYS, ignored)
    assert f'written: {out}' in printed
    assert torch.equal(target.warp_model.warper.style_nets[0].conv1.weight,
                       warp['aflow_net.netStyle.0.conv1.weight'])


def test_cli_swapped_inputs(tmp_path, official, capsys):
    warp_path, gen_path = save_official(tmp_path, *official)
    cases.check_swapped_inputs(capsys, tmp_path, 'fsvton', warp_path, gen_path, 'model.*',
                               'image_features.*, aflow_net.*', 'PFAFN_warp_epoch_101.pth',
                               'PFAFN_gen_epoch_101.pth')


def test_cli_same_kind_twice(tmp_path, official, capsys):
    warp_path, _ = save_official(tmp_path, *official)
    cases.check_same_file_twice(capsys, tmp_path, 'fsvton', warp_path, '--gen', 'warp',
                                'PFAFN_gen_epoch_101.pth')


@pytest.mark.parametrize('layout', ['mmengine', 'state_dict'])
def test_cli_already_converted_checkpoint(tmp_path, official, capsys, layout):
    warp, gen = official
    _, gen_path = save_official(tmp_path, warp, gen)
    cases.check_already_converted(capsys, tmp_path, 'fsvton', warp, gen, gen_path, layout)


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
    cases.check_pfafn_cli_redirects(
        capsys, tmp_path, warp_path, gen_path,
        'FS-VTON warp weights (aflow_net.netStyle.*, aflow_net.netF.*)', 'fsvton')


def test_cli_missing_config(tmp_path, capsys):
    cases.check_missing_config(capsys, tmp_path, 'fsvton', 'a.pth', 'b.pth', 'o.pth')


def test_cli_missing_input_file(tmp_path, capsys):
    absent = tmp_path / 'absent.pth'
    cases.check_missing_input(capsys, tmp_path, 'fsvton', absent, absent)


def test_cli_subprocess_exits_nonzero_listing_keys(tmp_path, official_zeros):
    warp_path, gen_path = save_official(tmp_path,
                                        *cases.truncated_with_extra_head(*official_zeros))
    line = cases.cli_subprocess_error('fsvton', warp_path, gen_path, tmp_path / 'out.pth')
    assert line.startswith(
        f'error: the official FS-VTON weights and the model do not match: '
        f'{NUM_WARP_KEYS - 2} missing key(s): '
        'warp:image_features.encoders.0.0.block.0.running_mean, ')
    assert (f', ... and {NUM_WARP_KEYS - 6} more; 1 unexpected key(s): generator:extra_head'
            in line)
