"""Official DM-VTON weight converter: the DM-VTON key table of the shared converter, its
validation errors, the CLI end to end on random official-layout files (training states
``{'epoch', 'model', 'optimizer'}`` and plain state dicts), and numeric parity of the
converted weights with ``tests/helpers/official_dmvton.py``, an independent functional
re-derivation of the official student test forward from the facts.

Parity, measured on this CPU (weight seed 0, smooth photo-like inputs, fp32):

* with the correlation computed by the 49-shift formula of the facts, every output
  (try-on, warped cloth, warped mask, render, flow) is bit-identical (0.0) at 256x192 and
  at 512x384; the test requires <= 1e-5;
* with vtonbox's own GEMM correlation the outputs differ only by float summation order:
  flows <= 3.6e-7, images <= 1.9e-5 at 256x192 and <= 3.1e-5 at 512x384 (an AVX-512 CPU:
  the warped mask 6.1e-5 at 512x384). The bilinearly warped binary mask turns ulp-level
  flow differences into up to ``|d flow| * (W - 1) / 2``, so the mask's tolerance is
  that bound at the flow tolerance; the other outputs use PF-AFN's tolerances.
"""
from functools import partial

import pytest
import torch

from tests.helpers import converter_cases as cases
from tests.helpers import dmvton_keys, official_fsvton, official_pfafn
from tests.helpers import official_dmvton as official
from tests.helpers.official_dmvton import GEN_FILE, WARP_FILE, random_official_state_dicts
from vtonbox.converters.official_weights import (
    AFLOWNET_PREFIX_RENAMES,
    CONVERTER_SPECS,
    DMVTON_SPEC,
    PFAFN_SPEC,
    OfficialWeightsError,
    WeightsMismatchError,
    check_official_inputs,
    convert_official_state_dicts,
)
from vtonbox.models.backbones.mobilenet_v2_pyramid import DMVTON_PYRAMID_PREFIX_RENAMES

CONFIG = cases.config_path('dmvton')
#: Warp-file keys converted (388 in the file: 16 are repeats of the smoothing convs).
NUM_WARP_KEYS, NUM_GEN_KEYS, NUM_FILE_WARP_KEYS = 372, 213, 388
#: 2 pyramids x 4 repeats x (weight, bias).
NUM_REPEATS = 16
#: (H, W) of the parity checks (batch 1 each: the shared test CPU).
PARITY_SIZES = [(256, 192), (512, 384)]
#: vtonbox with the formula correlation vs the official forward (measured 0.0).
EXACT_TOL = 1e-5
#: vtonbox with its GEMM correlation: float-order differences only (see module doc).
GEMM_IMAGE_TOL = 5e-5
GEMM_FLOW_TOL = 2e-6

model, official_zeros, official_files = cases.official_fixtures(CONFIG,
                                                                random_official_state_dicts)
cli_error = partial(cases.cli_error, method='dmvton')


def convert(warp, gen, model):
    return convert_official_state_dicts(warp, gen, model, spec=DMVTON_SPEC)


# ----------------------------------------------------------------------------- key table
def test_spec_is_built_from_the_pyramid_and_head_tables():
    assert CONVERTER_SPECS['dmvton'] is DMVTON_SPEC
    assert DMVTON_SPEC.default_config == 'configs/dmvton_student.py'
    assert DMVTON_SPEC.warp_renames == (
        ('image_mobile.smooth_layers.0.', 'cloth_backbone.smooth_layer.'),
        ('cond_mobile.smooth_layers.0.', 'cond_backbone.smooth_layer.'),
    ) + DMVTON_PYRAMID_PREFIX_RENAMES + AFLOWNET_PREFIX_RENAMES
    assert DMVTON_SPEC.ignored_warp_keys == ('aflow_net.weight',)
    assert [s.copies for s in DMVTON_SPEC.shared_copies] == [
        tuple(f'{p}smooth_layers.{i}.' for i in range(1, 5)) for p in official.PYRAMIDS]
    parser = cases.load_converter('dmvton').parse_args(['--warp', 'w', '--gen', 'g', '--out', 'o'])
    assert parser.config == 'configs/dmvton_student.py'


def test_every_official_key_maps_onto_the_model(model, official_files):
    warp, gen = official_files
    assert (len(warp), len(gen)) == (NUM_FILE_WARP_KEYS, NUM_GEN_KEYS)
    renamed = cases.check_keys_map_onto_model(model, warp, gen, DMVTON_SPEC)
    # the same mapping as the key/shape tests of the modules derive
    assert {k[len('warp_model.'):] for k in renamed if k.startswith('warp_model.')} == \
        set(dmvton_keys.mapped_warp_shapes())


def test_convert_maps_values_drops_training_filter_and_merges_repeats(model):
    warp, gen = random_official_state_dicts(seed=3, training_filter=True)
    result = convert(warp, gen, model)
    assert (result.num_warp_keys, result.num_generator_keys) == (NUM_WARP_KEYS, NUM_GEN_KEYS)
    assert result.ignored_keys == ['warp:aflow_net.weight']
    assert len(result.merged_keys) == NUM_REPEATS
    assert 'warp:cond_mobile.smooth_layers.4.bias' in result.merged_keys
    warp_model = model.warp_model
    assert torch.equal(warp_model.cloth_backbone.smooth_layer.weight,
                       warp['image_mobile.smooth_layers.0.weight'])
    assert torch.equal(warp_model.cond_backbone.inverted_residual_blocks[3][0].conv[7]
                       .running_var,
                       warp['cond_mobile.inverted_residual_blocks.3.0.conv.7.running_var'])
    assert torch.equal(warp_model.warper.refine_nets[2][6].bias,
                       warp['aflow_net.netRefine.2.6.bias'])
    assert torch.equal(model.generator.invres3.conv[3].weight, gen['invres3.conv.3.weight'])
    assert result.state_dict['generator.backbone.features.0.1.num_batches_tracked'].dtype \
        == torch.int64


def test_missing_repeat_is_listed_as_missing(model, official_files):
    warp, gen = official_files
    del warp['cond_mobile.smooth_layers.4.bias']
    with pytest.raises(WeightsMismatchError) as info:
        convert(warp, gen, model)
    assert info.value.missing == ['warp:cond_mobile.smooth_layers.4.bias']
    assert not info.value.unexpected
    assert 'warp:cond_mobile.smooth_layers.4.bias' in str(info.value)


def test_missing_misnamed_and_mis_shaped_keys_are_listed_by_official_names(model,
                                                                             official_files):
    warp, gen = official_files
    del warp['image_mobile.inverted_residual_blocks.2.0.conv.4.running_mean']
    warp['cond_mobile.top_layers.weight'] = warp.pop('cond_mobile.top_layer.weight')
    gen['conv_last.weight'] = torch.zeros(4, 16, 1, 1)
    with pytest.raises(WeightsMismatchError) as info:
        convert(warp, gen, model)
    error, message = info.value, str(info.value)
    assert error.missing == ['warp:image_mobile.inverted_residual_blocks.2.0.conv.4.running_mean',
                             'warp:cond_mobile.top_layer.weight']
    assert error.unexpected == ['warp:cond_mobile.top_layers.weight']
    assert message.startswith('the official DM-VTON weights and the model do not match: ')
    assert 'generator:conv_last.weight (weights [4, 16, 1, 1] vs model [4, 16, 3, 3])' \
        in message
    assert '\n' not in message


@pytest.mark.parametrize('method', ['pfafn', 'fsvton'])
def test_other_methods_warp_file_is_recognised(model, official_files, method):
    other = dict(pfafn=official_pfafn, fsvton=official_fsvton)[method]
    other_warp, _ = other.random_official_state_dicts(zeros=True)
    _, gen = official_files
    with pytest.raises(OfficialWeightsError) as info:
        convert(other_warp, gen, model)
    spec = CONVERTER_SPECS[method]
    signature = dict(pfafn='image_features.*',
                     fsvton='image_features.*, aflow_net.netStyle.*, aflow_net.netF.*')[method]
    assert str(info.value) == (
        f'--warp holds {spec.name} warp weights ({signature}), not DM-VTON ones (--warp): '
        f'convert it with python {spec.tool} (for {spec.default_config}), or pass the '
        'DM-VTON dmvton_pf_warp.pt')


def test_dmvton_files_are_recognised_by_the_pfafn_converter(official_files):
    warp, gen = official_files
    with pytest.raises(OfficialWeightsError) as info:
        check_official_inputs(warp, gen, 'a.pt', 'b.pt', PFAFN_SPEC)
    assert str(info.value) == (
        '--warp holds DM-VTON warp weights (image_mobile.*), not PF-AFN ones (a.pt): convert '
        'it with python tools/model_converters/dmvton_to_vtonbox.py (for '
        'configs/dmvton_student.py), or pass the PF-AFN warp_model_final.pth')
    pfafn_warp, _ = official_pfafn.random_official_state_dicts(zeros=True)
    with pytest.raises(OfficialWeightsError) as info:
        check_official_inputs(pfafn_warp, gen, 'a.pt', 'b.pt', PFAFN_SPEC)
    assert str(info.value).startswith(
        '--gen holds DM-VTON generator weights (backbone.features.*, dconv*, invres*, '
        'conv_last.*), not PF-AFN ones (b.pt): pass the PF-AFN gen_model_final.pth')


# ----------------------------------------------------------------------------- the CLI
def save_official(folder, warp, gen, layout='training_state'):
    if layout == 'training_state':
        warp, gen = official.training_state(warp), official.training_state(gen)
    return cases.save_pair(folder, warp, gen, WARP_FILE, GEN_FILE)


@pytest.mark.parametrize('layout', ['training_state', 'state_dict'])
def test_cli_end_to_end(tmp_path, capsys, layout):
    warp, gen = random_official_state_dicts(seed=1, training_filter=layout == 'state_dict')
    warp_path, gen_path = save_official(tmp_path, warp, gen, layout)
    ignored = 'warp:aflow_net.weight' if layout == 'state_dict' else 'none'
    printed, checkpoint, target = cases.check_cli_converts(
        capsys, 'dmvton', warp_path, gen_path, tmp_path / layout / 'dmvton_official.pth',
        NUM_WARP_KEYS, NUM_GEN_KEYS, ignored)
    assert (f'merged input keys: {NUM_REPEATS} repeats of shared modules, equal to their '
            'first copy (warp:image_mobile.smooth_layers.1.weight, ') in printed
    assert len(checkpoint['meta']['merged_keys']) == NUM_REPEATS
    assert len(checkpoint['state_dict']) == NUM_WARP_KEYS + NUM_GEN_KEYS
    assert torch.equal(target.warp_model.cond_backbone.smooth_layer.bias,
                       warp['cond_mobile.smooth_layers.3.bias'])
    assert torch.equal(target.generator.dconv2.weight, gen['dconv2.weight'])


def test_cli_differing_smoothing_copies(tmp_path, official_files, capsys):
    warp, gen = official_files
    warp['cond_mobile.smooth_layers.3.bias'] = torch.ones(256)
    warp_path, gen_path = save_official(tmp_path, warp, gen)
    out = tmp_path / 'o.pth'
    line = cli_error(capsys, '--warp', warp_path, '--gen', gen_path, '--out', str(out))
    assert line == (
        'error: --warp repeats one shared 3x3 smoothing conv per level, but 1 entry differs '
        'from the first copy: cond_mobile.smooth_layers.3.bias vs '
        f'cond_mobile.smooth_layers.0.bias ({warp_path}): pass an unmodified official '
        'dmvton_pf_warp.pt (the copies of a shared module must be equal)')
    assert not out.exists()


def test_cli_swapped_inputs(tmp_path, official_files, capsys):
    warp_path, gen_path = save_official(tmp_path, *official_files)
    cases.check_swapped_inputs(capsys, tmp_path, 'dmvton', warp_path, gen_path,
                               'backbone.features.*, dconv*, invres*, conv_last.*',
                               'image_mobile.*, aflow_net.*', 'dmvton_pf_warp.pt',
                               'dmvton_pf_gen.pt')


def test_cli_same_kind_twice(tmp_path, official_files, capsys):
    _, gen_path = save_official(tmp_path, *official_files)
    cases.check_same_file_twice(capsys, tmp_path, 'dmvton', gen_path, '--warp', 'generator',
                                'dmvton_pf_warp.pt')


@pytest.mark.parametrize('layout', ['mmengine', 'state_dict'])
def test_cli_already_converted_checkpoint(tmp_path, official_files, capsys, layout):
    warp, gen = official_files
    _, gen_path = save_official(tmp_path, warp, gen)
    cases.check_already_converted(capsys, tmp_path, 'dmvton', warp, gen, gen_path, layout)


def test_cli_pfafn_warp_file_points_to_the_pfafn_converter(tmp_path, official_files, capsys):
    pfafn_warp, _ = official_pfafn.random_official_state_dicts(zeros=True)
    warp_path, gen_path = save_official(tmp_path, pfafn_warp, official_files[1], 'state_dict')
    line = cli_error(capsys, '--warp', warp_path, '--gen', gen_path, '--out',
                     str(tmp_path / 'o.pth'))
    assert line == (f'error: --warp holds PF-AFN warp weights (image_features.*), not DM-VTON '
                    f'ones ({warp_path}): convert it with python '
                    'tools/model_converters/pfafn_to_vtonbox.py (for configs/pfafn_student.py)'
                    ', or pass the DM-VTON dmvton_pf_warp.pt')


def test_cli_pfafn_generator_file_is_recognised(tmp_path, official_files, capsys):
    _, pfafn_gen = official_pfafn.random_official_state_dicts(zeros=True)
    warp_path, gen_path = save_official(tmp_path, official_files[0], pfafn_gen, 'state_dict')
    line = cli_error(capsys, '--warp', warp_path, '--gen', gen_path, '--out',
                     str(tmp_path / 'o.pth'))
    assert line == (f'error: --gen holds PF-AFN / FS-VTON generator weights (model.*), not '
                    f'DM-VTON ones ({gen_path}): pass the DM-VTON dmvton_pf_gen.pt (PF-AFN / '
                    'FS-VTON weights convert with python tools/model_converters/'
                    'pfafn_to_vtonbox.py or python tools/model_converters/fsvton_to_vtonbox.py'
                    ', together with their warp file)')


def test_pfafn_cli_points_dmvton_files_to_this_converter(tmp_path, official_files, capsys):
    warp_path, gen_path = save_official(tmp_path, *official_files, 'state_dict')
    cases.check_pfafn_cli_redirects(capsys, tmp_path, warp_path, gen_path,
                                    'DM-VTON warp weights (image_mobile.*)', 'dmvton')


def test_cli_missing_config(tmp_path, capsys):
    cases.check_missing_config(capsys, tmp_path, 'dmvton', 'a.pt', 'b.pt', 'o.pth')


def test_cli_missing_input_file(tmp_path, capsys):
    absent = tmp_path / 'absent.pt'
    cases.check_missing_input(capsys, tmp_path, 'dmvton', absent, absent)


def test_cli_subprocess_exits_nonzero_listing_keys(tmp_path, official_zeros):
    warp, gen = cases.truncated_with_extra_head(*official_zeros)
    warp_path, gen_path = save_official(tmp_path, official.training_state(warp), gen,
                                        'state_dict')
    line = cases.cli_subprocess_error('dmvton', warp_path, gen_path, tmp_path / 'out.pth')
    missing = NUM_FILE_WARP_KEYS - 2
    assert line.startswith(
        f'error: the official DM-VTON weights and the model do not match: {missing} missing '
        'key(s): warp:image_mobile.first_layer.1.bias, ')
    assert f', ... and {missing - 4} more; 1 unexpected key(s): generator:extra_head' in line


# ----------------------------------------------------------------------------- parity
@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """Random official weights (training-state files, with the training filter),
    converted by the CLI and loaded strictly into the config's model."""
    tmp = tmp_path_factory.mktemp('dmvton_weights')
    warp, gen = random_official_state_dicts(seed=0, training_filter=True)
    warp_path, gen_path = save_official(tmp, warp, gen)
    return cases.converted_case('dmvton', CONFIG, warp, gen, warp_path, gen_path,
                                tmp / 'dmvton_official.pth')


@pytest.fixture(scope='module', params=PARITY_SIZES, ids=lambda s: 'x'.join(map(str, s)))
def outputs(request, converted):
    with cases.single_torch_thread():
        return cases.official_comparison(converted, official.official_test_forward, 1,
                                         *request.param)


def test_converted_checkpoint_contents(converted):
    checkpoint = cases.converted_checkpoint(converted, WARP_FILE, GEN_FILE)
    assert checkpoint['meta']['ignored_keys'] == ['warp:aflow_net.weight']
    state = checkpoint['state_dict']
    cases.check_values_copied(state, converted['warp'], [
        ('warp_model.cloth_backbone.smooth_layer.weight', 'image_mobile.smooth_layers.0.weight'),
        ('warp_model.cond_backbone.top_layer.bias', 'cond_mobile.top_layer.bias'),
        ('warp_model.warper.main_nets.1.4.weight', 'aflow_net.netMain.1.4.weight')])
    cases.check_values_copied(state, converted['gen'], [
        ('generator.invres1.conv.0.weight', 'invres1.conv.0.weight')])


def test_matches_official_forward_exactly_with_formula_correlation(outputs):
    cases.check_all_within(outputs['formula'], outputs['reference'], EXACT_TOL)


def test_matches_official_forward_with_gemm_correlation(outputs):
    diffs = cases.max_diffs(outputs['gemm'], outputs['reference'])
    assert diffs['flow'] <= GEMM_FLOW_TOL, diffs
    for key in ('tryon', 'warped_cloth', 'rendered'):
        assert diffs[key] <= GEMM_IMAGE_TOL, diffs
    width = outputs['reference']['flow'].shape[-1]
    assert diffs['warped_edge'] <= GEMM_FLOW_TOL * (width - 1) / 2, diffs


def test_random_weights_exercise_the_network(outputs):
    cases.check_random_weights_exercise_the_network(outputs['reference'])
