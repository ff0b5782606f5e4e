"""Official PF-AFN weight converter: key mapping, validation errors, the CLI, and strict
loading of vtonbox checkpoints (numeric parity: tests/test_models/test_tryon/)."""
import argparse
from functools import partial

import pytest
import torch
from mmengine.runner import load_checkpoint

from tests.helpers import converter_cases as cases
from tests.helpers.official_pfafn import (
    GEN_FILE,
    WARP_FILE,
    random_official_state_dicts,
)
from vtonbox.converters.official_weights import (
    OfficialWeightsError,
    WeightsMismatchError,
    build_model_from_config,
    convert_official_state_dicts,
)
from vtonbox.utils.model_loading import load_weights_strictly

CONFIG = cases.config_path('pfafn')
#: A small ParserFreeTryOn (same structure, fewer channels) for checkpoint-loading tests.
TINY_OPTIONS = {
    'model.generator.ngf': 4,
    'model.warp_model.encoder.channels': [4, 4, 8, 8, 8],
    'model.warp_model.fpn.out_channels': 8,
    'model.warp_model.warper.hidden_channels': [4, 4, 4],
}

model, official_zeros, official = cases.official_fixtures(CONFIG, random_official_state_dicts)
cli_error = partial(cases.cli_error, method='pfafn')


def test_every_official_key_maps_onto_the_model(model, official):
    warp, gen = official
    cases.check_keys_map_onto_model(model, warp, gen)  # the default spec: PF-AFN
    assert (len(warp), len(gen)) == (420, 261)


def test_convert_maps_values_and_ignores_training_filter(model, official):
    warp, gen = official
    warp['aflow_net.weight'] = torch.zeros(4, 1, 3, 3)
    warp['aflow_net.netRefine.4.6.bias'] = torch.tensor([1.5, -2.5])
    warp['cond_FPN.adaptive.0.bias'] = torch.arange(256.)
    gen['model.model.4.model.1.running_var'] = torch.full((128,), 3.0)
    result = convert_official_state_dicts(warp, gen, model)
    assert (result.num_warp_keys, result.num_generator_keys) == (420, 261)
    assert result.ignored_keys == ['warp:aflow_net.weight']
    assert torch.equal(model.warp_model.warper.refine_nets[4][6].bias, torch.tensor([1.5, -2.5]))
    assert torch.equal(model.warp_model.cond_fpn.adaptive[0].bias, torch.arange(256.))
    assert torch.equal(model.generator.model.model[4].model[1].running_var,
                       torch.full((128,), 3.0))
    tracked = result.state_dict['generator.model.model.4.model.1.num_batches_tracked']
    assert tracked.dtype == torch.int64


def test_missing_key_is_listed(model, official):
    warp, gen = official
    del warp['image_features.encoders.2.1.block.3.running_var']
    del gen['model.model.6.weight']
    with pytest.raises(WeightsMismatchError, match='2 missing key') as info:
        convert_official_state_dicts(warp, gen, model)
    assert info.value.missing == ['warp:image_features.encoders.2.1.block.3.running_var',
                                  'generator:model.model.6.weight']
    assert 'warp:image_features.encoders.2.1.block.3.running_var' in str(info.value)
    assert 'generator:model.model.6.weight' in str(info.value)


def test_misnamed_key_is_listed_as_missing_and_unexpected(model, official):
    warp, gen = official
    warp['cond_fpn.smooth.0.weight'] = warp.pop('cond_FPN.smooth.0.weight')
    gen['model.model.4.model.1.running_avg'] = gen.pop('model.model.4.model.1.running_var')
    with pytest.raises(WeightsMismatchError) as info:
        convert_official_state_dicts(warp, gen, model)
    error = info.value
    assert error.missing == ['warp:cond_FPN.smooth.0.weight',
                             'generator:model.model.4.model.1.running_var']
    assert sorted(error.unexpected) == ['generator:model.model.4.model.1.running_avg',
                                        'warp:cond_fpn.smooth.0.weight']
    for key in error.missing + error.unexpected:
        assert key in str(error)


def test_shape_mismatch_is_listed(model, official):
    warp, gen = official
    gen['model.model.0.weight'] = torch.zeros(64, 8, 3, 3)  # the parser-based generator
    warp['cond_features.encoders.0.0.block.2.weight'] = torch.zeros(64, 45, 3, 3)
    with pytest.raises(WeightsMismatchError, match='2 shape mismatch') as info:
        convert_official_state_dicts(warp, gen, model)
    message = str(info.value)
    assert 'generator:model.model.0.weight (weights [64, 8, 3, 3] vs model [64, 7, 3, 3])' \
        in message
    assert 'warp:cond_features.encoders.0.0.block.2.weight' in message


def test_swapped_files_are_recognised(model, official):
    warp, gen = official
    with pytest.raises(OfficialWeightsError, match='--warp and --gen look swapped'):
        convert_official_state_dicts(gen, warp, model)


def test_long_key_lists_are_summarised_on_one_line(model, official):
    warp, gen = official
    warp = {k: v for k, v in list(warp.items())[:10]}
    with pytest.raises(WeightsMismatchError) as info:
        convert_official_state_dicts(warp, gen, model)
    message = str(info.value)
    assert '\n' not in message
    assert '410 missing key(s): ' in message and ', ... and 406 more' in message
    assert len(info.value.missing) == 410  # the full list stays on the exception


def test_cli_round_trip_accepts_wrapped_and_prefixed_inputs(tmp_path, official, capsys):
    warp, gen = official
    warp['aflow_net.weight'] = torch.zeros(4, 1, 3, 3)
    warp['aflow_net.netMain.0.6.bias'] = torch.tensor([0.25, 0.75])
    wrapped = dict(state_dict={f'module.{k}': v for k, v in warp.items()})
    paths = cases.save_pair(tmp_path, wrapped, gen, WARP_FILE, GEN_FILE)
    out = tmp_path / 'converted.pth'
    cases.run_converter('pfafn', *paths, out)
    printed = capsys.readouterr().out
    assert 'mapped 420 warp keys' in printed and '261 generator keys' in printed
    assert 'ignored input keys: warp:aflow_net.weight' in printed
    tiny = build_model_from_config(CONFIG, TINY_OPTIONS)  # wrong size: strict load fails
    with pytest.raises(WeightsMismatchError, match='shape mismatch'):
        load_weights_strictly(tiny, str(out))
    checkpoint = torch.load(out, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['ignored_keys'] == ['warp:aflow_net.weight']
    assert torch.equal(checkpoint['state_dict']['warp_model.warper.main_nets.0.6.bias'],
                       torch.tensor([0.25, 0.75]))


def test_cli_missing_input_file(tmp_path, capsys):
    absent, gen = tmp_path / 'absent.pth', tmp_path / GEN_FILE
    torch.save({'model.model.0.weight': torch.zeros(1)}, gen)
    cases.check_missing_input(capsys, tmp_path, 'pfafn', absent, gen)


def test_cli_unsafe_input_file(tmp_path, capsys):
    unsafe, out = tmp_path / 'unsafe.pth', tmp_path / 'out.pth'
    torch.save(argparse.Namespace(weights=1), unsafe)  # not loadable with weights_only
    line = cli_error(capsys, '--warp', str(unsafe), '--gen', str(unsafe), '--out', str(out))
    assert line.startswith('error: refused: it contains `argparse.Namespace`, which is not '
                           f'tensor data ({unsafe}): ')
    assert not out.exists()


def test_cli_missing_config_is_found_before_loading_inputs(tmp_path, capsys):
    cases.check_missing_config(capsys, tmp_path, 'pfafn', str(tmp_path / 'a.pth'),
                               str(tmp_path / 'b.pth'), str(tmp_path / 'o.pth'))


def test_cli_bad_cfg_options(tmp_path, capsys):
    line = cli_error(capsys, '--warp', 'a.pth', '--gen', 'b.pth', '--out', 'o.pth',
                     '--cfg-options', 'model.generator.ngf')
    assert line.startswith("error: --cfg-options item 'model.generator.ngf' is not KEY=VALUE")


def test_cli_swapped_inputs(tmp_path, official, capsys):
    warp_path, gen_path = cases.save_pair(tmp_path, *official, WARP_FILE, GEN_FILE)
    line = cases.check_swapped_inputs(capsys, tmp_path, 'pfafn', warp_path, gen_path,
                                      'model.*', 'image_features.*, aflow_net.*',
                                      'warp_model_final.pth', 'gen_model_final.pth')
    assert 'missing key' not in line


def test_cli_same_kind_twice(tmp_path, official, capsys):
    warp_path, _ = cases.save_pair(tmp_path, *official, WARP_FILE, GEN_FILE)
    cases.check_same_file_twice(capsys, tmp_path, 'pfafn', warp_path, '--gen', 'warp',
                                'gen_model_final.pth')


@pytest.mark.parametrize('layout', ['mmengine', 'state_dict'])
def test_cli_already_converted_checkpoint(tmp_path, official, capsys, layout):
    warp, gen = official
    _, gen_path = cases.save_pair(tmp_path, warp, gen, WARP_FILE, GEN_FILE)
    line = cases.check_already_converted(capsys, tmp_path, 'pfafn', warp, gen, gen_path,
                                         layout)
    assert 'missing key' not in line


def test_cli_subprocess_exits_nonzero_listing_keys(tmp_path, official_zeros):
    paths = cases.save_pair(tmp_path, *cases.truncated_with_extra_head(*official_zeros),
                            WARP_FILE, GEN_FILE)
    line = cases.cli_subprocess_error('pfafn', *paths, tmp_path / 'out.pth')
    assert line.startswith('error: the official PF-AFN weights and the model do not '
                           'match: 418 missing key(s): '
                           'warp:image_features.encoders.0.0.block.0.running_mean, ')
    assert ', ... and 414 more; 1 unexpected key(s): generator:extra_head' in line


@pytest.fixture
def tiny_checkpoint(tmp_path):
    torch.manual_seed(0)
    source = build_model_from_config(CONFIG, TINY_OPTIONS)
    path = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=source.state_dict(), meta=dict(note='tiny')), path)
    return source, path


def test_loader_loads_vtonbox_checkpoint_strictly(tiny_checkpoint):
    source, path = tiny_checkpoint
    target = build_model_from_config(CONFIG, TINY_OPTIONS)
    load_weights_strictly(target, str(path))
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key
    load_checkpoint(build_model_from_config(CONFIG, TINY_OPTIONS), str(path), strict=True)


@pytest.mark.parametrize('mutation', ['missing', 'misnamed'])
def test_loader_lists_missing_and_misnamed_keys(tiny_checkpoint, tmp_path, mutation):
    source, _ = tiny_checkpoint
    state = source.state_dict()
    key = 'warp_model.cond_encoder.encoders.1.2.block.3.running_mean'
    value = state.pop(key)
    if mutation == 'misnamed':
        state[key.replace('cond_encoder', 'cond_features')] = value
    path = tmp_path / f'{mutation}.pth'
    torch.save(dict(state_dict=state), path)
    with pytest.raises(WeightsMismatchError) as info:
        load_weights_strictly(build_model_from_config(CONFIG, TINY_OPTIONS), str(path))
    assert info.value.missing == [key]
    assert key in str(info.value) and str(path) in str(info.value)
    if mutation == 'misnamed':
        assert info.value.unexpected == [key.replace('cond_encoder', 'cond_features')]
        assert 'cond_features' in str(info.value)
