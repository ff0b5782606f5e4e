"""The JSON record carries metric values and the full provenance."""
import hashlib
import json

import pytest
import pytorch_fid

import vtonbox
from vtonbox.evaluation.record import build_record, metric_provenance, write_record
from vtonbox.registry import METRICS


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_record_has_provenance_and_round_trips(tmp_path):
    pairs = tmp_path / 'test_pairs.txt'
    pairs.write_text('000066_0.jpg 017575_1.jpg\n')
    weights = tmp_path / 'w.pth'
    weights.write_bytes(b'weights')
    checkpoint = tmp_path / 'model.pth'
    checkpoint.write_bytes(b'checkpoint')
    record = build_record({'FID': 9.92, 'SSIM': 0.87, 'PSNR': float('inf')},
                          dataset_root='data/viton', split='test', pair_list=str(pairs),
                          num_images=2032, fid_weights=str(weights), ssim_variant='gray',
                          image_size=(256, 192), image_format='png',
                          checkpoint=str(checkpoint), extra={'config': 'x.py'})
    protocol = record['protocol']
    assert record['metrics'] == {'FID': 9.92, 'SSIM': 0.87, 'PSNR': 'inf'}
    assert protocol['pair_list_sha256'] == _sha256(pairs)
    assert protocol['fid'] == {
        'implementation': f'pytorch-fid {pytorch_fid.__version__} InceptionV3 pool3',
        'weights': 'w.pth', 'weights_sha256': _sha256(weights)}
    assert protocol['ssim']['variant'] == 'gray' and 'sigma=1.5' in protocol['ssim'][
        'description']
    assert (protocol['dataset_root'], protocol['split'], protocol['num_images']) == (
        'data/viton', 'test', 2032)
    assert protocol['image_size'] == [256, 192] and protocol['image_format'] == 'png'
    assert protocol['config'] == 'x.py'
    assert record['checkpoint_sha256'] == _sha256(checkpoint)
    assert record['vtonbox_version'] == vtonbox.__version__ and record['date']

    path = write_record(record, str(tmp_path / 'out' / 'metrics.json'))
    assert json.load(open(path)) == record


def test_record_optional_fields_and_errors(tmp_path):
    record = build_record({'SSIM': 0.5}, dataset_root='d', split='test', num_images=3)
    assert record['protocol']['fid'] is None and record['checkpoint_sha256'] is None
    assert record['skipped'] == {} and record['warnings'] == []
    assert record['protocol']['inception_images'] == {} and record['record_format'] == 2
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        build_record({}, dataset_root='d', split='test', num_images=1,
                     checkpoint=str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='ssim_variant'):
        build_record({}, dataset_root='d', split='test', num_images=1, ssim_variant='hsv')


def test_metric_provenance(inception_weights):
    kid = dict(type='KID', real_dir='unused', inception_weights=inception_weights)
    metrics = [METRICS.build(dict(type='PSNR')), METRICS.build(dict(type='SSIM', variant='rgb')),
               METRICS.build(kid)]
    assert metric_provenance(metrics) == dict(fid_weights=inception_weights, ssim_variant='rgb')
    assert metric_provenance([]) == dict(fid_weights=None, ssim_variant=None)


def test_record_skipped_metrics_counts_and_warnings():
    counts = {'KID': dict(generated=4, real=4, min_reliable=100)}
    record = build_record({'SSIM': 0.5}, dataset_root='d', split='test', num_images=4,
                          skipped={'FID': 'FID Inception weights not found (x.pth)'},
                          inception_images=counts, warnings=['KID computed from 4 ...'])
    assert record['skipped'] == {'FID': 'FID Inception weights not found (x.pth)'}
    assert record['protocol']['inception_images'] == counts
    assert record['warnings'] == ['KID computed from 4 ...']
    assert list(record)[:3] == ['metrics', 'skipped', 'warnings']  # next to the values
