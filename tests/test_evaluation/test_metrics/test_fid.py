"""FID / KID metrics: Evaluator path equals the functional path; 2 ranks equal 1 rank."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from vtonbox.evaluation.image_io import list_images, load_rgb
from vtonbox.registry import METRICS
from vtonbox.structures.tryon_data_sample import TryOnDataSample

from ..conftest import KID_SUBSETS, NUM_IMAGES

WORKER = osp.join(osp.dirname(__file__), 'dist_fid_worker.py')
#: Seconds allowed for the two worker processes (import + Inception on shared CPUs).
DIST_TIMEOUT = 300


def make_samples(fake_dir, real_dir=None):
    """TryOnDataSamples whose prediction is each fake image (person = same-named real)."""
    samples = []
    for path in list_images(fake_dir):
        person = osp.join(real_dir, osp.basename(path)) if real_dir else None
        sample = TryOnDataSample(metainfo=dict(person_path=person, paired=False))
        sample.pred_tryon = torch.from_numpy(load_rgb(path)).permute(2, 0, 1)
        samples.append(sample)
    return samples


def inception_cfg(kind, real_dir, weights, cache_dir, **kwargs):
    return dict(type=kind, real_dir=real_dir, inception_weights=weights,
                cache_dir=str(cache_dir), batch_size=2, **kwargs)


@pytest.fixture(scope='module')
def evaluator_metrics(inception_weights, image_folders, tmp_path_factory):
    """FID + KID through MMEngine's Evaluator, two batches."""
    real_dir, fake_dir = image_folders
    cache = tmp_path_factory.mktemp('evaluator_cache')
    evaluator = Evaluator([
        METRICS.build(inception_cfg('FID', real_dir, inception_weights, cache)),
        METRICS.build(inception_cfg('KID', real_dir, inception_weights, cache,
                                    num_subsets=KID_SUBSETS, subset_size=NUM_IMAGES)),
    ])
    samples = make_samples(fake_dir)
    evaluator.process(samples[:2])
    evaluator.process(samples[2:])
    return evaluator.evaluate(len(samples)), str(cache), evaluator


def test_evaluator_equals_functional_path(evaluator_metrics, folder_evaluation):
    metrics = evaluator_metrics[0]
    assert set(metrics) == {'FID', 'KIDx1000', 'KIDx1000_std'}
    for key in metrics:
        assert metrics[key] == pytest.approx(folder_evaluation.metrics[key], rel=1e-5, abs=1e-6)


def test_image_counts_and_small_sample_warnings(evaluator_metrics):
    from vtonbox.evaluation.record import metric_outcomes
    fid, kid = evaluator_metrics[2].metrics
    assert fid.image_counts == dict(generated=NUM_IMAGES, real=NUM_IMAGES, min_reliable=2000)
    assert kid.image_counts == dict(generated=NUM_IMAGES, real=NUM_IMAGES, min_reliable=100)
    assert 'FID_MIN_IMAGES=2000' in fid.warnings[0] and 'KID_MIN_IMAGES=100' in kid.warnings[0]
    outcomes = metric_outcomes(evaluator_metrics[2].metrics)
    assert outcomes == dict(inception_images={'FID': fid.image_counts, 'KID': kid.image_counts},
                            warnings=fid.warnings + kid.warnings)


def test_real_from_person_paths_equals_real_dir(inception_weights, image_folders):
    """real_dir=None: real features come from each sample's person_path, de-duplicated."""
    real_dir, fake_dir = image_folders
    by_folder = METRICS.build(
        inception_cfg('FID', real_dir, inception_weights, '', use_cache=False))
    by_person = METRICS.build(inception_cfg('FID', None, inception_weights, ''))
    samples = [s.to_dict() for s in make_samples(fake_dir, real_dir)]
    by_folder.process(None, samples)
    by_person.process(None, samples + samples[:1])  # a repeated person counts once
    folder_stats = by_folder.real_statistics(by_folder.results)
    person_stats = by_person.real_statistics(by_person.results)
    np.testing.assert_allclose(person_stats.mu, folder_stats.mu, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(person_stats.sigma, folder_stats.sigma, rtol=1e-5, atol=1e-8)
    np.testing.assert_array_equal(by_person.fake_features(by_person.results)[:NUM_IMAGES],
                                  by_folder.fake_features(by_folder.results))


def test_metric_input_errors(inception_weights, image_folders):
    real_dir, fake_dir = image_folders
    with pytest.raises(ValueError, match='real_list needs real_dir'):
        METRICS.build(inception_cfg('FID', None, inception_weights, '', real_list=['a.png']))
    metric = METRICS.build(inception_cfg('FID', None, inception_weights, ''))
    with pytest.raises(ValueError, match='person_path'):
        metric.process(None, [s.to_dict() for s in make_samples(fake_dir)])
    with pytest.raises(KeyError, match='pred_tryon'):
        metric.process(None, [dict(gt_person=torch.zeros(3, 8, 8, dtype=torch.uint8))])
    with pytest.raises(ValueError, match='uint8'):
        metric.process(None, [dict(pred_tryon=torch.zeros(3, 8, 8))])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_process_gloo_equals_one_process(evaluator_metrics, inception_weights,
                                             image_folders, tmp_path):
    """2 ranks each process half the samples; gathered FID equals the 1-process FID."""
    one_process, cache_dir, _ = evaluator_metrics  # rank 0 reuses the cached real statistics
    real_dir, fake_dir = image_folders
    port, out = _free_port(), str(tmp_path / 'fid')
    # One thread per worker: two workers share the CPU cores.
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    workers = [
        subprocess.Popen([sys.executable, WORKER, str(rank), '2', str(port), real_dir, fake_dir,
                          inception_weights, cache_dir, out],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for rank in range(2)
    ]
    logs = [worker.communicate(timeout=DIST_TIMEOUT)[0] for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], '\n'.join(logs)
    results = [json.load(open(f'{out}.rank{rank}.json')) for rank in range(2)]
    assert [r['num_local'] for r in results] == [2, 1]
    assert results[0]['FID'] == results[1]['FID']  # broadcast to every rank
    assert results[0]['FID'] == pytest.approx(one_process['FID'], rel=1e-5)
