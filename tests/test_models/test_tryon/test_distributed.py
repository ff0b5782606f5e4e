"""2-process gloo training of the synthetic student through tools/dist_train.sh: both
ranks end with identical parameters."""
import subprocess
import textwrap

import torch

from tests.conftest import REPO_ROOT, TOY_DIR, tool_env


def test_dist_train_student_two_cpu_processes(tiny_synthetic, tmp_path):
    config = tmp_path / 'student_dist.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = ['{REPO_ROOT}/configs/synthetic/pfafn_student.py']
        custom_imports = dict(imports=['vtonbox_rank_dump'], allow_failed_imports=False)
        train_dataloader = dict(num_workers=0, batch_size=2,
                                dataset=dict(data_root='{tiny_synthetic}', indices=4))
        val_dataloader = None
        val_cfg = None
        val_evaluator = None
        test_dataloader = None
        test_cfg = None
        test_evaluator = None
        model = dict(teacher=dict(checkpoint=None), init_cfg=None)
        train_cfg = dict(max_epochs=1)
        param_scheduler = []
        default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
        custom_hooks = [dict(type='DumpRankParametersHook')]
        visualizer = dict(vis_backends=[dict(type='LocalVisBackend')])
    '''))
    work_dir = tmp_path / 'work'
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', str(work_dir),
         '--cfg-options', 'env_cfg.dist_cfg.backend=gloo'],
        cwd=REPO_ROOT, env=tool_env([TOY_DIR]), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rank0 = torch.load(work_dir / 'rank0_params.pth', weights_only=True)
    rank1 = torch.load(work_dir / 'rank1_params.pth', weights_only=True)
    assert rank0.keys() == rank1.keys() and len(rank0) > 100
    different = [k for k in rank0 if not torch.equal(rank0[k], rank1[k])]
    assert not different, different[:5]
    # The ranks trained on different halves of the data but stayed in sync; the teacher
    # is frozen and left out of DDP.
    assert any(k.startswith('warp_model.') for k in rank0)
    assert (work_dir / 'epoch_1.pth').is_file()
