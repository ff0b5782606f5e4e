"""Numeric parity of converted official FS-VTON weights with the official test forward.

Random weights in the OFFICIAL key layout (an "aug"-style warp file, with the training
filter ``aflow_net.weight``) are saved as ``PFAFN_warp_epoch_101.pth`` /
``PFAFN_gen_epoch_101.pth``, converted by ``tools/model_converters/fsvton_to_vtonbox.py``
and loaded into ``ParserFreeTryOn`` of ``configs/fsvton_student.py`` (strict), and into
``TryOnInferencer('configs/fsvton_student.py', <converted>)``. They are compared with
``tests/helpers/official_fsvton.py``, an independent functional re-derivation of the
official test forward from the reference facts, at 256 x 192 (the official head's only
size), on a batch of two different pairs (the modulation is per sample). The inputs are
uint8 photos put through the Inferencer's own preprocessing, so every comparison sees the
same tensors.

* upstream's grouped modulated conv (``grouped_modulation=True``): bit-identical
  (measured 0.0 on every output, weight seeds 0-2);
* the default static form ``conv(x * s, w) * d + bias`` (what the config builds): float
  summation order only; a bilinearly warped binary mask turns flow differences of a few
  float32 ulps into up to ``|d flow| * (W - 1) / 2``. Measured (seeds 0-2, this CPU):
  images <= 4.0e-5, flows <= 4.8e-7;
* the fp32 fast inference graph (BN folding, fused upsampling, channels_last) that
  ``TryOnInferencer`` runs: images <= 1.6e-4; its uint8 try-on is within one grey level
  of the official one;
* the bf16 fast graph (emulated on CPUs without native bf16): PSNR 43.3-53.4 dB against
  the official try-on (max abs 0.1-0.5 where bf16 flows pick other pixels).

The random weights keep the flows at a few pixels (see ``official_fsvton``): with chaotic
flows of tens of pixels, the same ulp-level differences grow through the ten flow
compositions (static form: 8e-4 with undamped cloth features).
"""
import math

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from tests.helpers import converter_cases as cases
from tests.helpers import official_fsvton as official
from tests.helpers import official_pfafn
from vtonbox.apis import TryOnInferencer
from vtonbox.apis.inputs import load_mask, load_photo
from vtonbox.benchmark.accuracy import psnr_db
from vtonbox.deploy import FastParserFreeTryOn
from vtonbox.models.ops.modulated_conv import ModulatedConv2d

CONFIG = cases.config_path('fsvton')
BATCH, HEIGHT, WIDTH = 2, official.HEIGHT, official.WIDTH
IMAGE_KEYS = ('tryon', 'warped_cloth', 'warped_edge', 'rendered')
#: Upstream's grouped modulation vs the official forward (measured 0.0).
EXACT_TOL = 1e-5
#: The default static modulation: float-order differences only (see module doc).
STATIC_IMAGE_TOL = 1e-4
STATIC_FLOW_TOL = 2e-6
#: The fp32 fast graph (BN folded, fused upsampling, channels_last).
FAST_IMAGE_TOL = 5e-4
#: uint8 try-on of the Inferencer vs the official one, in grey levels.
UINT8_TOL = 1
#: The bf16 fast graph vs the official try-on.
BF16_MIN_PSNR_DB = 35.0
#: A size the upstream head cannot run (its (8, 6) style kernel); vtonbox pools.
LARGE_SIZE = (512, 384)


@pytest.fixture(autouse=True)
def single_torch_thread():
    with cases.single_torch_thread():
        yield


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('fsvton_weights')
    warp, gen = official.random_official_state_dicts(seed=0, training_filter=True)
    warp_path, gen_path = cases.save_pair(tmp, warp, gen, official.WARP_FILE, official.GEN_FILE)
    return cases.converted_case('fsvton', CONFIG, warp, gen, warp_path, gen_path,
                                tmp / 'fsvton_official.pth')


def photo(seed):
    image = official_pfafn.smooth_image(1, HEIGHT, WIDTH, seed=seed)[0]
    return ((image + 1) * 127.5).round().clamp(0, 255).byte().permute(1, 2, 0).numpy()


@pytest.fixture(scope='module')
def pairs(converted):
    """Two uint8 pairs, the Inferencer on the converted checkpoint, and the model inputs
    its preprocessing makes of them."""
    inferencer = TryOnInferencer(CONFIG, checkpoint=str(converted['out']))
    people = [photo(10 + i) for i in range(BATCH)]
    cloths = [photo(20 + i) for i in range(BATCH)]
    masks = [(official_pfafn.blob_mask(1, HEIGHT, WIDTH, seed=30 + i)[0, 0].numpy() * 255)
             .astype(np.uint8) for i in range(BATCH)]
    items = []
    for i in range(BATCH):
        loaded = (load_photo(people[i], 'person', i), load_photo(cloths[i], 'cloth', i),
                  load_mask(masks[i], cloths[i].shape[:2], i))
        items.append(inferencer.preprocess(loaded, i))
    with torch.no_grad():
        inputs = inferencer.model.data_preprocessor(pseudo_collate(items), False)['inputs']
    inputs = {k: inputs[k].float() for k in ('person', 'cloth', 'cloth_mask')}
    assert inputs['person'].shape == (BATCH, 3, HEIGHT, WIDTH)
    return dict(inferencer=inferencer, people=people, cloths=cloths, masks=masks,
                inputs=inputs)


@pytest.fixture(scope='module')
def reference(converted, pairs):
    inputs = pairs['inputs']
    return official.official_test_forward(converted['warp'], converted['gen'],
                                          inputs['person'], inputs['cloth'],
                                          inputs['cloth_mask'])


def test_converted_checkpoint_contents(converted):
    checkpoint = cases.converted_checkpoint(converted, official.WARP_FILE, official.GEN_FILE)
    meta = checkpoint['meta']
    assert meta['ignored_keys'] == ['warp:aflow_net.weight']
    assert meta['config'] == 'configs/fsvton_student.py'
    assert 'CC BY-NC-SA 4.0' in meta['license']
    state, warp = checkpoint['state_dict'], converted['warp']
    assert len(state) == len(warp) - 1 + len(converted['gen']) == 464 + 261
    cases.check_values_copied(state, warp, [
        ('warp_model.warper.style_nets.3.conv0.mlp_class_std.linear.weight_orig',
         'aflow_net.netStyle.3.conv0.mlp_class_std.linear.weight_orig'),
        ('warp_model.warper.flow_nets.4.conv1.bias', 'aflow_net.netF.4.conv1.bias'),
        ('warp_model.warper.cloth_style.0.weight', 'aflow_net.image_style.0.weight'),
        ('warp_model.warper.refine_nets.2.6.weight', 'aflow_net.netRefine.2.6.weight'),
        ('warp_model.cloth_fpn.smooth.1.weight', 'image_FPN.smooth.1.weight')])


def test_matches_official_forward_exactly_with_grouped_modulation(converted, pairs,
                                                                  reference):
    model = cases.load_converted(CONFIG, converted['out'],
                                 {'model.warp_model.warper.grouped_modulation': True})
    assert all(m.grouped for m in model.modules() if isinstance(m, ModulatedConv2d))
    cases.check_all_within(cases.vtonbox_forward(model, pairs['inputs']), reference, EXACT_TOL)


def test_matches_official_forward_with_static_modulation(converted, pairs, reference):
    model = converted['model']
    assert not any(m.grouped for m in model.modules() if isinstance(m, ModulatedConv2d))
    diffs = cases.max_diffs(cases.vtonbox_forward(model, pairs['inputs']), reference)
    assert diffs['flow'] <= STATIC_FLOW_TOL, diffs
    for key in IMAGE_KEYS:
        assert diffs[key] <= STATIC_IMAGE_TOL, diffs


def test_inferencer_fast_graph_matches_official_forward(pairs, reference):
    inferencer = pairs['inferencer']
    assert inferencer.optimized and inferencer.model_size == (HEIGHT, WIDTH)
    fast, inputs = inferencer.fast_model, pairs['inputs']
    with torch.no_grad():
        pred = fast.predict_with_cloth(inputs['person'],
                                       fast.encode_cloth(inputs['cloth'], inputs['cloth_mask']))
    ours = dict(tryon=pred.tryon, warped_cloth=pred.warped_cloth,
                warped_edge=pred.warped_mask, rendered=pred.rendered)
    cases.check_all_within(ours, reference, FAST_IMAGE_TOL)
    results = inferencer(pairs['people'], pairs['cloths'], pairs['masks'], batch_size=BATCH)
    for result, expected in zip(results, reference['tryon']):
        expected = ((expected + 1) * 127.5).round().clamp(0, 255).permute(1, 2, 0)
        levels = np.abs(result['tryon'].astype(np.int32) - expected.numpy().astype(np.int32))
        assert levels.max() <= UINT8_TOL, levels.max()


def test_bf16_fast_graph_psnr_against_official_forward(converted, pairs, reference):
    # constructed directly: runs bf16 even on CPUs without native bf16 (then emulated)
    model = converted['model']
    fast = FastParserFreeTryOn(model.warp_model, model.generator, 'bf16')
    first = {k: v[:1] for k, v in pairs['inputs'].items()}
    out = fast(first['person'], first['cloth'], first['cloth_mask'])
    assert out.dtype == torch.float32 and torch.isfinite(out).all()
    psnr = psnr_db(out, reference['tryon'][:1]).min().item()
    assert BF16_MIN_PSNR_DB <= psnr < math.inf, psnr


def test_runs_at_512x384(converted):
    """The official head fails there; vtonbox pools the 16x12 coarsest maps to 8x6."""
    height, width = LARGE_SIZE
    inputs = dict(person=official_pfafn.smooth_image(1, height, width, seed=4),
                  cloth=official_pfafn.smooth_image(1, height, width, seed=5),
                  cloth_mask=official_pfafn.blob_mask(1, height, width, seed=6))
    out = cases.vtonbox_forward(converted['model'], inputs)
    assert out['flow'].shape == (1, 2, height, width)
    for key in IMAGE_KEYS:
        assert out[key].shape[-2:] == (height, width)
        assert torch.isfinite(out[key]).all()
    assert 0 < out['warped_edge'].mean() < 1


def test_random_weights_exercise_the_network(reference):
    cases.check_random_weights_exercise_the_network(reference)
