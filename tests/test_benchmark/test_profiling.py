import math

import torch

from tests.helpers.tiny_configs import TINY_SIZE
from vtonbox.benchmark import (
    TRYON_MODULE_GROUPS,
    ReferenceTryOn,
    correlation_share_of_warp,
    module_time_split,
    random_tryon_inputs,
)
from vtonbox.deploy import optimize_for_inference


def check_split(split):
    assert set(split) == set(TRYON_MODULE_GROUPS) | {'other', 'total'}
    assert all(value >= 0 for value in split.values())
    assert all(split[name] > 0 for name in TRYON_MODULE_GROUPS)
    assert split['total'] >= sum(split[name] for name in TRYON_MODULE_GROUPS)
    share = correlation_share_of_warp(split)
    assert 0 < share < 1 and not math.isnan(share)


def split_of(graph, root, args):
    with torch.inference_mode():
        graph(*args)
        return module_time_split(lambda: graph(*args), root, calls=2)


def test_split_of_fast_and_reference_graphs(tiny_model):
    inputs = random_tryon_inputs(1, *TINY_SIZE)
    args = (inputs['person'], inputs['cloth'], inputs['cloth_mask'])
    fast = optimize_for_inference(tiny_model)
    check_split(split_of(fast, fast, args))
    reference = ReferenceTryOn(tiny_model)
    check_split(split_of(reference, reference.model, args))
    # the hooks are gone afterwards
    for root in (fast, reference.model):
        assert not any(m._forward_hooks or m._forward_pre_hooks for m in root.modules())
