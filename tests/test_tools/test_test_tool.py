"""tools/test.py on a student checkpoint: both protocols, the JSON record with FID, KID,
SSIM and PSNR, saved PNGs — and the Inferencer gives the same try-on for the same pair."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from tests.conftest import REPO_ROOT, tool_env
from tests.test_apis.tiny_model import write_tiny_model
from vtonbox.datasets import make_synthetic_viton
from vtonbox.evaluation.functional.inception import save_random_inception_weights

#: Synthetic data at the tiny model's size, so no resampling differs between paths.
HEIGHT, WIDTH = 96, 64


def test_test_tool_record_and_inferencer_agree(tmp_path):
    data = tmp_path / 'data'
    make_synthetic_viton(str(data), num_train=0, num_test=4, seed=3, height=HEIGHT,
                         width=WIDTH)
    config, checkpoint = write_tiny_model(tmp_path, size=(HEIGHT, WIDTH))
    weights = save_random_inception_weights(str(tmp_path / 'inception.pth'))
    prefix = 'test_dataloader.dataset'
    options = [
        f'{prefix}.data_root={data}', f'{prefix}.data_prefix.cloth=test_color',
        f'{prefix}.ann_file=test_pairs.txt', 'test_dataloader.num_workers=0',
        'val_dataloader.dataset.data_root=' + str(data),
        'val_dataloader.dataset.data_prefix.cloth=test_color',
        'val_dataloader.dataset.ann_file=test_pairs_paired.txt', 'val_dataloader.num_workers=0',
        f'test_evaluator.0.inception_weights={weights}',
        f'test_evaluator.1.inception_weights={weights}',
        'test_evaluator.1.subset_size=2', 'test_evaluator.1.num_subsets=3',
        f'test_evaluator.0.cache_dir={tmp_path}', f'test_evaluator.1.cache_dir={tmp_path}',
    ]
    out, show = tmp_path / 'metrics.json', tmp_path / 'show'
    result = subprocess.run(
        [sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', str(tmp_path / 'w'),
         '--out', str(out), '--show-dir', str(show), '--cfg-options', *options],
        cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = json.loads(out.read_text())
    assert {'FID', 'KIDx1000', 'SSIM', 'PSNR'} <= set(record['metrics'])
    protocol = record['protocol']
    assert protocol['num_images'] == 4 and protocol['fid']['weights_sha256']
    assert protocol['protocols']['paired']['pair_list'].endswith('test_pairs_paired.txt')
    assert record['checkpoint_sha256'] and record['vtonbox_version']
    saved = sorted(p for p in (show / 'unpaired').iterdir() if p.suffix == '.png')
    assert len(saved) == 4 and len(list((show / 'paired').glob('*.png'))) == 4

    # The Inferencer on the first unpaired pair reproduces the saved try-on.
    from vtonbox.apis import TryOnInferencer
    person_name, cloth_name = (data / 'test_pairs.txt').read_text().split('\n')[0].split()
    inferencer = TryOnInferencer(config, checkpoint, device='cpu')
    output = inferencer(str(data / 'test_img' / person_name),
                        str(data / 'test_color' / cloth_name),
                        str(data / 'test_edge' / cloth_name))[0]
    stem = f'{osp.splitext(person_name)[0]}__{osp.splitext(cloth_name)[0]}.png'
    from_tool = cv2.cvtColor(cv2.imread(str(show / 'unpaired' / stem)), cv2.COLOR_BGR2RGB)
    assert output['tryon'].shape == from_tool.shape
    assert np.abs(output['tryon'].astype(int) - from_tool.astype(int)).max() <= 1
