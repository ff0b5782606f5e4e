"""Named evaluation protocols: every preset's evaluators run on tiny images and give the
functional values under the preset's settings; the record entry; the base VITON config
uses the ``viton`` preset's metrics; errors are one line."""
import inspect
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator

from tests.conftest import REPO_ROOT
from vtonbox.evaluation.functional.lpips import (
    ALEXNET_WEIGHTS_FILENAME,
    build_lpips_alex,
    lpips_distance,
    save_random_alexnet_weights,
)
from vtonbox.evaluation.functional.psnr import psnr
from vtonbox.evaluation.functional.ssim import ssim
from vtonbox.evaluation.protocols import (
    EVALUATION_PROTOCOLS,
    SETTINGS,
    apply_protocol,
    check_required_in_protocol,
    get_protocol,
    protocol_evaluators,
)
from vtonbox.registry import METRICS
from vtonbox.structures.tryon_data_sample import TryOnDataSample
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import UserError, run_tool

from .conftest import NUM_IMAGES, make_images, write_folder
from .test_metrics.test_paired_metrics import make_paired_samples

#: The presets the dataset configs of VITON-HD and DressCode name.
EXPECTED_NAMES = ['viton', 'viton-hd', 'dresscode', 'hr-viton']
#: Config file -> the preset its evaluators follow (other dataset configs add a row).
CONFIG_PROTOCOLS = {'configs/_base_/datasets/viton.py': 'viton'}


@pytest.fixture(scope='module')
def alexnet_weights(tmp_path_factory):
    return save_random_alexnet_weights(str(tmp_path_factory.mktemp('alex') / 'alex.pth'), seed=3)


@pytest.fixture(autouse=True, scope='module')
def _registered():
    register_all_modules()


def test_the_presets():
    assert list(EVALUATION_PROTOCOLS) == EXPECTED_NAMES
    for protocol in EVALUATION_PROTOCOLS.values():
        assert protocol.paired_metrics == ('SSIM', 'PSNR', 'LPIPS')
        assert protocol.unpaired_metrics == ('FID', 'KID')
        assert protocol.comparable_with and protocol.not_comparable_with
        assert protocol.paired_pairs and protocol.unpaired_pairs and protocol.real_images
    assert get_protocol('viton').ssim_variant == 'gray'  # the VITON line, as before
    assert get_protocol('viton-hd').ssim_variant == get_protocol('dresscode').ssim_variant == \
        'rgb'
    assert [get_protocol(n).lpips_resize for n in EXPECTED_NAMES] == [None, None, None,
                                                                      (128, 128)]
    assert get_protocol('dresscode').paired_pairs.startswith('test_pairs_paired.txt')
    assert get_protocol('dresscode').unpaired_pairs.startswith('test_pairs_unpaired.txt')
    assert 'clean-fid' in ' '.join(get_protocol('viton-hd').not_comparable_with)
    assert '10.09' in get_protocol('viton').comparable_with[0]
    assert '8.89' in get_protocol('viton').comparable_with[0]
    assert '14.38' in get_protocol('dresscode').comparable_with[0]


@pytest.mark.parametrize('name', EXPECTED_NAMES)
def test_paired_evaluators_give_the_functional_values(name, alexnet_weights):
    protocol = get_protocol(name)
    evaluator = Evaluator([METRICS.build(entry) for entry in
                           protocol.evaluators('paired', lpips_weights=alexnet_weights)])
    samples, preds, gts, _ = make_paired_samples()
    evaluator.process(samples[:2])
    evaluator.process(samples[2:])
    metrics = evaluator.evaluate(len(samples))
    assert tuple(metrics) == protocol.metric_keys('paired')
    ssim_key, psnr_key, lpips_key = protocol.metric_keys('paired')
    model = build_lpips_alex(alexnet_weights)
    expected = {
        ssim_key: np.mean([ssim(p, g, protocol.ssim_variant) for p, g in zip(preds, gts)]),
        psnr_key: np.mean([psnr(p, g) for p, g in zip(preds, gts)]),
        lpips_key: np.mean([lpips_distance(model, p, g, protocol.lpips_resize)
                            for p, g in zip(preds, gts)]),
    }
    for key, value in expected.items():
        assert abs(metrics[key] - value) <= 1e-6, key
    assert 0 < metrics[ssim_key] < 1 and metrics[lpips_key] > 0


def test_paired_settings_change_the_values(alexnet_weights):
    """The presets' settings are really applied: gray vs RGB SSIM, full vs 128x128 LPIPS."""
    samples = make_paired_samples()[0]
    values = {}
    for name in ('viton', 'viton-hd', 'hr-viton'):
        evaluator = Evaluator([METRICS.build(entry) for entry in protocol_evaluators(
            name, 'paired', lpips_weights=alexnet_weights)])
        evaluator.process(samples)
        values[name] = evaluator.evaluate(len(samples))
    assert values['viton']['SSIM'] != values['viton-hd']['SSIM-RGB']
    assert values['viton']['LPIPS'] == values['viton-hd']['LPIPS']
    assert values['viton']['LPIPS'] != values['hr-viton']['LPIPS@128x128']
    assert values['viton']['SSIM'] == values['hr-viton']['SSIM']


def test_unpaired_evaluators_run(inception_weights, tmp_path):
    """FID and KID of the presets (one config for all, so it runs once) against the
    samples' own person photos (``real_dir=None``), as a test loop gives them."""
    configs = {name: protocol_evaluators(name, 'unpaired', inception_weights=inception_weights)
               for name in EXPECTED_NAMES}
    assert all(entries == configs['viton'] for entries in configs.values())
    real = write_folder(tmp_path / 'real', make_images(NUM_IMAGES, seed=4))
    fakes = make_images(NUM_IMAGES, seed=5, noise=10.0)
    samples = []
    for name, fake in zip(real, fakes):
        sample = TryOnDataSample(metainfo=dict(person_path=str(tmp_path / 'real' / name)))
        sample.pred_tryon = torch.from_numpy(fake).permute(2, 0, 1).contiguous()
        samples.append(sample)
    metrics = [METRICS.build(dict(entry, use_cache=False)) for entry in configs['viton']]
    for metric in metrics[1:]:
        metric.subset_size, metric.num_subsets = NUM_IMAGES, 5
    evaluator = Evaluator(metrics)
    evaluator.process(samples)
    values = evaluator.evaluate(len(samples))
    assert set(values) == {'FID', 'KIDx1000', 'KIDx1000_std'}
    assert values['FID'] > 0 and np.isfinite(values['KIDx1000'])
    assert get_protocol('viton').metric_keys('unpaired') == ('FID', 'KIDx1000')


def test_weights_files_go_into_the_entries():
    paired = protocol_evaluators('hr-viton', 'paired', lpips_weights='alex.pth')
    assert paired[2] == dict(type='LPIPS', resize=(128, 128), backbone_weights='alex.pth')
    unpaired = protocol_evaluators('viton', 'unpaired', inception_weights='inc.pth')
    assert unpaired == [dict(type='FID', inception_weights='inc.pth'),
                        dict(type='KID', inception_weights='inc.pth')]
    assert 'backbone_weights' not in protocol_evaluators('viton', 'paired')[2]


def test_record_entry():
    entry = get_protocol('hr-viton').record_entry()
    assert json.loads(json.dumps(entry)) == entry  # JSON as it is
    assert entry['name'] == 'hr-viton' and entry['lpips_resize'] == [128, 128]
    assert entry['paired_metrics'] == ['SSIM', 'PSNR', 'LPIPS@128x128']
    assert entry['unpaired_metrics'] == ['FID', 'KIDx1000']
    assert entry['ssim_variant'] == 'gray'
    assert entry['evaluators']['paired'][2] == dict(type='LPIPS', resize=[128, 128])
    assert set(entry) >= {'dataset', 'resolution', 'paired_pairs', 'unpaired_pairs',
                          'real_images', 'comparable_with', 'not_comparable_with'}


def test_apply_protocol_replaces_both_evaluators():
    cfg = Config(dict(val_evaluator=[dict(type='SSIM')], test_evaluator=None))
    apply_protocol(cfg, get_protocol('viton-hd'))
    assert cfg.val_evaluator == get_protocol('viton-hd').evaluators('paired')
    assert cfg.test_evaluator == get_protocol('viton-hd').evaluators('unpaired')


def _defaults(metric_type):
    parameters = inspect.signature(METRICS.get(metric_type).__init__).parameters
    return {k: p.default for k, p in parameters.items() if p.default is not p.empty}


@pytest.mark.parametrize('config, name', sorted(CONFIG_PROTOCOLS.items()))
def test_dataset_config_uses_the_preset_metrics(config, name):
    """Each metric of the config is one of the preset's, with the same settings (a setting
    the config leaves out has the preset's value as its default)."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    for setting, key in (('paired', 'val_evaluator'), ('unpaired', 'test_evaluator')):
        preset = {entry['type']: entry for entry in protocol_evaluators(name, setting)}
        for entry in cfg[key]:
            assert entry['type'] in preset, (key, entry)
            expected = dict(_defaults(entry['type']), **preset[entry['type']])
            assert all(expected[k] == v for k, v in entry.items()), (key, entry)
            assert all(entry.get(k, _defaults(entry['type']).get(k)) == v
                       for k, v in preset[entry['type']].items()), (key, entry)
    # today's metrics of the VITON config, kept as they were
    if name == 'viton':
        assert [e['type'] for e in cfg.val_evaluator] == ['SSIM', 'PSNR']
        assert [e['type'] for e in cfg.test_evaluator] == ['FID', 'KID']


def test_unknown_protocol_is_one_line(capsys):
    def main(argv):
        get_protocol(argv[0])

    code = run_tool(main, ['viton_hd'])
    err = capsys.readouterr().err
    assert code == 2 and 'Traceback' not in err
    assert err == ("error: unknown evaluation protocol 'viton_hd' (--protocol): choose from "
                   'viton, viton-hd, dresscode, hr-viton (docs/user_guides/evaluation.md, '
                   '"Protocols")\n')


def test_required_metric_outside_the_selected_run():
    protocol = get_protocol('viton')
    check_required_in_protocol(protocol, SETTINGS, ['FID', 'LPIPS'])  # both runs: fine
    check_required_in_protocol(protocol, ['paired'], ['LPIPS'])
    with pytest.raises(UserError) as info:
        check_required_in_protocol(protocol, ['paired'], ['LPIPS', 'KID'])
    assert info.value.line() == (
        '--require kid: --protocol viton computes no KID in the paired setting: KID is in its '
        'unpaired setting (--protocols paired unpaired), or drop --require kid')


def test_bad_setting_and_bad_preset():
    with pytest.raises(ValueError, match='setting must be one of'):
        get_protocol('viton').metrics('both')
    with pytest.raises(ValueError, match='paired metrics must be of'):
        type(get_protocol('viton'))(**dict(vars(get_protocol('viton')),
                                           paired_metrics=('FID',)))


def test_plan_skips_the_preset_lpips_without_weights(tmp_path, monkeypatch):
    """A preset on a test config: without the AlexNet file LPIPS alone is skipped, with the
    option that sets the file (the preset's LPIPS is val_evaluator.2)."""
    from vtonbox.engine.evaluate import plan_test_metrics
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    cfg = Config(dict(val_dataloader=dict(), val_cfg=dict(), test_dataloader=None))
    apply_protocol(cfg, get_protocol('dresscode'))
    plan = plan_test_metrics(cfg, ['paired'])
    hub = str(tmp_path / 'hub' / 'checkpoints' / ALEXNET_WEIGHTS_FILENAME)
    assert plan.protocols == ['paired']
    assert plan.skipped_metrics == {'LPIPS': f'LPIPS AlexNet weights not found ({hub})'}
    assert [e['type'] for e in cfg.val_evaluator] == ['SSIM', 'PSNR']
    assert len(plan.warnings) == 1
    assert '--cfg-options val_evaluator.2.backbone_weights=PATH' in plan.warnings[0]
