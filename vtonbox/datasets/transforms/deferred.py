"""Deferring per-pixel maps from the dataloader workers to the model's device.

A transform with ``defer=True`` (``GeneratePoseMap``, ``ParsingToRegionMasks``,
``DensePoseToOneHot``) does not build its map. It records in ``results`` how to build it
from a compact source that is transferred instead (the (K, 3) keypoints, the id maps):
``results['deferred_inputs'][out_key] = (op, source_key, ((param, value), ...))``.
``PackTryOnInputs`` packs the sources and copies the record into the data sample's
metainfo; ``TryOnDataPreprocessor`` builds the maps on the device, batched
(``vtonbox/models/data_preprocessors/deferred_maps.py``), with the same values as the
transform would have made. So the transform's arguments stay the single place where the
map is configured. See docs/advanced_guides/data_flow.md, section 2.
"""
import copy
from typing import Dict, List, Tuple

#: ``results`` key and data-sample metainfo key of the record.
DEFERRED_KEY = 'deferred_inputs'
#: Op names, understood by ``TryOnDataPreprocessor`` (``deferred_maps.DEFERRED_OPS``).
POSE_MAP_OP = 'pose_map'
REGION_MASK_OP = 'region_mask'
ONE_HOT_OP = 'one_hot'
#: Kind of each op's source when it travels only to build the map
#: ('keypoints': (K, 3) float32; 'label': (1, H, W) int64, as ``INPUT_SPECS``).
SOURCE_KINDS = {POSE_MAP_OP: 'keypoints', REGION_MASK_OP: 'label', ONE_HOT_OP: 'label'}

#: Transforms that take ``defer``.
DEFERRABLE_TRANSFORMS = ('GeneratePoseMap', 'ParsingToRegionMasks', 'DensePoseToOneHot')

DeferredOp = Tuple[str, str, Tuple[Tuple[str, object], ...]]


def defer_input(results: dict, out_key: str, op: str, source: str, **params) -> dict:
    """Record that ``out_key`` is built on the device by ``op`` from ``results[source]``.

    ``params`` must be plain comparable values (ints, tuples). A map of the same name
    made earlier in the pipeline is dropped (the deferred one replaces it).
    """
    if source not in results:
        raise KeyError(f'deferring {out_key!r}: its source {source!r} is not in the results')
    ops: Dict[str, DeferredOp] = results.setdefault(DEFERRED_KEY, {})
    ops[out_key] = (op, source, tuple(params.items()))
    results.pop(out_key, None)
    return results


def deferred_ops(results: dict) -> Dict[str, DeferredOp]:
    """The deferred maps recorded so far (empty dict when none)."""
    return results.get(DEFERRED_KEY) or {}


def set_deferred(pipeline: List[dict], defer: bool) -> List[dict]:
    """Copy of a pipeline config with ``defer`` set on every deferrable transform (e.g.
    ``False`` to build the maps in the dataloader workers, for comparison)."""
    pipeline = copy.deepcopy(list(pipeline))
    for step in pipeline:
        if step.get('type') in DEFERRABLE_TRANSFORMS:
            step['defer'] = bool(defer)
    return pipeline
