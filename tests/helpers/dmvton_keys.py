"""The DM-VTON key table (``tests/data/dmvton_keys.txt``) and the official -> vtonbox
key mapping of its warp file, for the key/shape tests."""
import ast
import os.path as osp
from typing import Dict, Optional, Tuple

from tests.conftest import REPO_ROOT
from vtonbox.converters.official_weights import WARP_PREFIX_RENAMES
from vtonbox.models.backbones.mobilenet_v2_pyramid import rename_official_pyramid_key

KEY_TABLE = osp.join(REPO_ROOT, 'tests', 'data', 'dmvton_keys.txt')
WARP_FILE = 'dmvton_pf_warp.pt'
GEN_FILE = 'dmvton_pf_gen.pt'
#: AFlowNet's renames (PF-AFN's, shared by DM-VTON's head).
HEAD_RENAMES = tuple((old, new) for old, new in WARP_PREFIX_RENAMES
                     if old.startswith('aflow_net.'))


def official_shapes(file: str) -> Dict[str, Tuple[int, ...]]:
    """``{key: shape}`` of one official file of the table."""
    shapes = {}
    with open(KEY_TABLE, encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            name, key, shape, _ = line.rstrip('\n').split('\t')
            if name == file:
                shapes[key] = tuple(ast.literal_eval(shape))
    return shapes


def rename_warp_key(key: str) -> Optional[str]:
    """Official ``MobileAFWM`` key -> ``FlowWarpModel(backbone=MobileNetV2Pyramid)`` key;
    None for the repeated smoothing-conv copies."""
    for old, new in HEAD_RENAMES:
        if key.startswith(old):
            return new + key[len(old):]
    return rename_official_pyramid_key(key)


def mapped_warp_shapes() -> Dict[str, Tuple[int, ...]]:
    """The warp table renamed to vtonbox keys (one smoothing conv per pyramid)."""
    mapped = {}
    for key, shape in official_shapes(WARP_FILE).items():
        new = rename_warp_key(key)
        if new is not None:
            mapped[new] = shape
    return mapped
