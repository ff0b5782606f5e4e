"""Tiny configs (inheriting the real ones) for fast benchmark / export / fuse tests."""
import os.path as osp

from tests.conftest import REPO_ROOT

#: Small sides: multiples of 32, at least 64 (five stride-2 levels, 2 px at the top).
TINY_SIZE = (64, 64)

_TINY_WARP = ("dict(encoder=dict(channels=[8, 16, 16, 16, 16]), fpn=dict(out_channels=16), "
              "warper=dict(hidden_channels=[16, 16, 8]))")

#: Stage 4 (PF-AFN student) with the student *and* the frozen teacher shrunk, so the
#: feature distillation shapes agree.
TINY_STUDENT_CONFIG = f"""
_base_ = [{{base!r}}]
model = dict(
    warp_model={_TINY_WARP},
    generator=dict(ngf=4),
    teacher=dict(tryon=dict(warp_model={_TINY_WARP}, generator=dict(ngf=4))))
"""


def write_tiny_student_config(folder, name='tiny_student.py') -> str:
    """Write the tiny stage-4 config into ``folder``; returns its path."""
    path = osp.join(str(folder), name)
    base = osp.join(REPO_ROOT, 'configs', 'pfafn_student.py')
    with open(path, 'w') as f:
        f.write(TINY_STUDENT_CONFIG.format(base=base))
    return path
