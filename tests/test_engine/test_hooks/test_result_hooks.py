"""Result grids, saved PNGs and the evaluation progress bar."""
import os.path as osp
from types import SimpleNamespace

import cv2
import torch

from vtonbox.engine.hooks import EvalProgressHook, SaveTryOnResultsHook, TryOnVisualizationHook
from vtonbox.structures import TryOnDataSample
from vtonbox.visualization import TryOnVisualizer, tryon_grid_row


def sample(value=10, paired=True):
    s = TryOnDataSample(metainfo=dict(person_path='a/000001_0.jpg',
                                      cloth_path='b/000002_1.jpg', paired=paired))
    s.person = torch.full((3, 64, 32), value, dtype=torch.uint8)
    s.cloth = torch.full((3, 64, 32), value + 1, dtype=torch.uint8)
    s.pred_tryon = torch.full((3, 64, 32), value + 2, dtype=torch.uint8)
    s.pred_warped_mask = torch.full((1, 64, 32), 255, dtype=torch.uint8)
    return s


def test_grid_row_orders_fields_and_separates_panels():
    row = tryon_grid_row(sample())
    assert row.shape == (64, 4 * 32 + 3 * 2, 3)  # person, cloth, try-on, mask + 3 gaps
    assert (row[:, :32] == 10).all() and (row[:, 34:66] == 11).all()
    assert (row[:, 32:34] == 255).all()


def test_visualizer_stacks_rows(tmp_path):
    vis = TryOnVisualizer(name='test_grid_vis', save_dir=str(tmp_path),
                          vis_backends=[dict(type='LocalVisBackend')])
    grid = vis.add_datasample('val', data_sample=[sample(), sample(50)], step=3)
    assert grid.shape[0] == 2 * 64 + 2
    assert osp.isfile(osp.join(tmp_path, 'vis_data', 'vis_image', 'val_3.png'))


def test_save_results_hook_writes_lossless_pngs(tmp_path):
    hook = SaveTryOnResultsHook(str(tmp_path), save_strip=True)
    runner = SimpleNamespace(logger=SimpleNamespace(info=lambda msg: None))
    hook.after_test_iter(runner, 0, outputs=[sample(7)])
    hook.after_val_iter(runner, 0, outputs=[sample(9)])
    name = '000001_0__000002_1.png'
    unpaired = cv2.imread(osp.join(tmp_path, 'unpaired', name))
    assert unpaired.shape == (64, 32, 3) and (unpaired == 9).all()  # 7 + 2, exact (PNG)
    assert (cv2.imread(osp.join(tmp_path, 'paired', name)) == 11).all()
    strip = cv2.imread(osp.join(tmp_path, 'unpaired', 'strips', name))
    assert strip.shape == (64, 3 * 32 + 2 * 2, 3)


def test_visualization_hook_draws_every_test_interval(tmp_path):
    drawn = []
    visualizer = SimpleNamespace(add_datasample=lambda name, data_sample, step:
                                 drawn.append((name, len(data_sample), step)))
    runner = SimpleNamespace(visualizer=visualizer)
    hook = TryOnVisualizationHook(interval=0, test_interval=2, max_samples=1)
    for batch_idx in range(4):
        hook.after_test_iter(runner, batch_idx, outputs=[sample(), sample()])
    assert drawn == [('test_000000', 1, 0), ('test_000002', 1, 2)]


def test_progress_hook_counts_batches(capsys):
    hook = EvalProgressHook()
    runner = SimpleNamespace(rank=0, test_dataloader=[0, 1, 2])
    hook.before_test_epoch(runner)
    for i in range(3):
        hook.after_test_iter(runner, i)
    hook.after_test_epoch(runner)
    assert "3/3" in capsys.readouterr().out
