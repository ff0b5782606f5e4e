"""TryOnInferencer on a tiny model: sizes, dtypes, path/array equality, mask parser,
batching, files, and agreement with the test loop's data path."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from PIL import Image

from tests.helpers.tiny_model import (
    TINY_SIZE,
    build_tiny_model,
    garment_photo,
    person_photo,
    write_tiny_model,
)
from vtonbox.apis import InferenceSetupError, TryOnInferencer, tryon_inferencer
from vtonbox.apis.inputs import load_mask, load_photo
from vtonbox.models.parsers import ClothMaskParser
from vtonbox.registry import DATASETS


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp('tiny_model')
    config, checkpoint = write_tiny_model(folder)
    return config, checkpoint, TryOnInferencer(config, checkpoint)


@pytest.fixture(scope='module')
def photos():
    person = person_photo(203, 151, seed=5)
    cloth, mask = garment_photo(120, 100, seed=6)
    return person, cloth, mask


def test_outputs_have_the_person_size_and_documented_dtypes(tiny, photos):
    inferencer = tiny[2]
    person, cloth, mask = photos
    wide_person = person_photo(61, 140, seed=7)
    results = inferencer([person, wide_person], cloth, mask, batch_size=2)
    assert len(results) == 2
    for result, source in zip(results, (person, wide_person)):
        height, width = source.shape[:2]
        assert result['tryon'].shape == (height, width, 3)
        assert result['warped_cloth'].shape == (height, width, 3)
        assert result['warped_mask'].shape == (height, width)
        for key in ('tryon', 'warped_cloth', 'warped_mask', 'cloth_mask'):
            assert result[key].dtype == np.uint8, key
        np.testing.assert_array_equal(result['cloth_mask'], mask)
        assert result['tryon'].std() > 0
    assert results[0]['person_name'] == 'person0' and results[1]['person_name'] == 'person1'
    assert results[0]['cloth_name'] == 'cloth0' and results[0]['person_path'] is None


def test_paths_and_arrays_give_identical_results(tiny, photos, tmp_path):
    inferencer = tiny[2]
    person, cloth, mask = photos
    Image.fromarray(person).save(tmp_path / 'alice.png')
    Image.fromarray(cloth).save(tmp_path / 'shirt.png')
    Image.fromarray(mask).save(tmp_path / 'shirt_mask.png')
    from_files = inferencer(str(tmp_path / 'alice.png'), str(tmp_path / 'shirt.png'),
                            str(tmp_path / 'shirt_mask.png'))[0]
    from_arrays = inferencer(person, cloth, mask)[0]
    for key in ('tryon', 'warped_cloth', 'warped_mask'):
        np.testing.assert_array_equal(from_files[key], from_arrays[key], err_msg=key)
    assert from_files['person_name'] == 'alice' and from_files['cloth_name'] == 'shirt'
    assert from_files['person_path'] == str(tmp_path / 'alice.png')


def test_missing_mask_is_made_by_the_cloth_mask_parser(tiny, photos):
    inferencer = tiny[2]
    person, cloth, _ = photos
    parsed = ClothMaskParser()(cloth)
    auto = inferencer(person, cloth)[0]
    given = inferencer(person, cloth, parsed)[0]
    np.testing.assert_array_equal(auto['cloth_mask'], parsed)
    np.testing.assert_array_equal(auto['tryon'], given['tryon'])
    # The mask matters: another mask gives another try-on.
    half = parsed.copy()
    half[:, :half.shape[1] // 2] = 0
    assert not np.array_equal(inferencer(person, cloth, half)[0]['tryon'], auto['tryon'])


def test_batches_and_broadcast_agree_with_single_pairs(tiny, photos):
    inferencer = tiny[2]
    person, cloth, mask = photos
    other, other_mask = garment_photo(90, 70, seed=9)
    batched = inferencer(person, [cloth, other], [mask, other_mask], batch_size=2)
    singles = [inferencer(person, cloth, mask)[0], inferencer(person, other, other_mask)[0]]
    for got, want in zip(batched, singles):
        assert np.abs(got['tryon'].astype(int) - want['tryon']).max() <= 1
    streamed = list(inferencer.stream(person, [cloth, other], [mask, other_mask]))
    np.testing.assert_array_equal(streamed[1]['tryon'], singles[1]['tryon'])


def test_same_tryon_as_the_test_loop_data_path(tiny, tmp_path):
    """The Inferencer and `model.test_step` on the config's test dataset item (what
    tools/test.py runs) agree at the model size."""
    config, checkpoint, inferencer = tiny
    height, width = TINY_SIZE
    root = tmp_path / 'VITON_test'
    for folder in ('test_img', 'test_clothes', 'test_edge'):
        (root / folder).mkdir(parents=True)
    cloth, mask = garment_photo(height, width, seed=11)
    Image.fromarray(person_photo(height, width, seed=10)).save(root / 'test_img' / 'a_0.jpg')
    Image.fromarray(cloth).save(root / 'test_clothes' / 'b_1.jpg', quality=90)
    Image.fromarray(mask).save(root / 'test_edge' / 'b_1.jpg', quality=90)
    (root / 'test_pairs.txt').write_text('a_0.jpg b_1.jpg\n')

    cfg = Config.fromfile(config)
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.update(data_root=str(root))
    item = DATASETS.build(dataset_cfg)[0]
    model = build_tiny_model(config, seed=123)  # other weights, replaced by the checkpoint
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    with torch.inference_mode():
        expected = model.eval().test_step(pseudo_collate([item]))[0]

    pair = (str(root / 'test_img' / 'a_0.jpg'), str(root / 'test_clothes' / 'b_1.jpg'),
            str(root / 'test_edge' / 'b_1.jpg'))
    # the model as built is exactly the test loop; the fast graph within float rounding
    exact = TryOnInferencer(config, checkpoint, optimize=False)
    assert inferencer.optimized and not exact.optimized
    for runner, tolerance in ((exact, 0), (inferencer, 1)):
        result = runner(*pair)[0]
        for key, field in (('tryon', 'pred_tryon'), ('warped_cloth', 'pred_warped_cloth'),
                           ('warped_mask', 'pred_warped_mask')):
            want = getattr(expected, field).permute(1, 2, 0).numpy().squeeze(-1) \
                if key == 'warped_mask' else getattr(expected, field).permute(1, 2, 0).numpy()
            diff = np.abs(result[key].astype(int) - want).max()
            assert diff <= tolerance, (key, runner.optimized, diff)


def test_writes_named_pngs_and_strips(tiny, photos, tmp_path):
    inferencer = tiny[2]
    person, cloth, mask = photos
    Image.fromarray(person).save(tmp_path / 'bob.jpg')
    out_dir = tmp_path / 'out'
    results = inferencer([str(tmp_path / 'bob.jpg')] * 2, cloth, mask, out_dir=str(out_dir),
                         save_strip=True)
    assert sorted(p.name for p in out_dir.glob('*.png')) == ['bob__cloth0-1.png',
                                                             'bob__cloth0.png']
    saved = np.asarray(Image.open(out_dir / 'bob__cloth0.png'))
    np.testing.assert_array_equal(saved, results[0]['tryon'])
    strip = Image.open(out_dir / 'strips' / 'bob__cloth0.png')
    assert strip.size[1] == person.shape[0] and strip.size[0] > 2 * person.shape[1]
    paths = inferencer.run_to_dir(str(tmp_path / 'bob.jpg'), cloth, mask,
                                  out_dir=str(tmp_path / 'run'))
    assert [osp.basename(p) for p in paths] == ['bob__cloth0.png']


def test_bf16_and_channels_last(tiny, photos):
    config, checkpoint, inferencer = tiny
    person, cloth, mask = photos
    reference = inferencer(person, cloth, mask)[0]['tryon'].astype(int)
    fast = TryOnInferencer(config, checkpoint, channels_last=True)
    assert np.abs(fast(person, cloth, mask)[0]['tryon'] - reference).max() <= 1
    bf16 = TryOnInferencer(config, checkpoint, precision='bf16')
    out = bf16(person, cloth, mask)[0]['tryon']
    assert out.shape == reference.shape and out.dtype == np.uint8
    assert np.abs(out - reference).mean() < 20


def test_setup_errors(tiny, tmp_path):
    config, checkpoint, _ = tiny
    with pytest.raises(InferenceSetupError, match='config file not found: nope.py'):
        TryOnInferencer('nope.py', checkpoint)
    with pytest.raises(InferenceSetupError, match="precision 'fp16' needs a CUDA"):
        TryOnInferencer(config, checkpoint, precision='fp16')
    with pytest.raises(InferenceSetupError, match='checkpoint not found'):
        TryOnInferencer(config, str(tmp_path / 'missing.pth'))
    # A pipeline that needs parsing inputs (parser-based) cannot be fed by the Inferencer.
    cfg = Config.fromfile(config)
    for pipeline in (cfg.test_pipeline, cfg.test_dataloader.dataset.pipeline):
        pipeline.insert(0, dict(type='LoadParsing'))
    with pytest.raises(InferenceSetupError, match="loads .*'parsing'.*parser-free"):
        TryOnInferencer(cfg, checkpoint)
    with pytest.warns(UserWarning, match='random weights'):
        TryOnInferencer(config)


def test_one_garment_on_many_people_is_encoded_once(tiny, photos, monkeypatch):
    config, checkpoint, inferencer = tiny
    person, cloth, mask = photos
    people = [person, person_photo(180, 140, seed=21), person_photo(150, 120, seed=22)]
    other, other_mask = garment_photo(90, 70, seed=23)
    encoded = []
    encode = inferencer.fast_model.encode_cloth

    def counting_encode(cloth_batch, mask_batch):
        encoded.append(cloth_batch.shape[0])
        return encode(cloth_batch, mask_batch)

    monkeypatch.setattr(inferencer.fast_model, 'encode_cloth', counting_encode)
    results = inferencer(people, cloth, mask, batch_size=2)
    assert encoded == [1]  # batches of 2 + 1 pairs, one garment: encoded once
    plain = TryOnInferencer(config, checkpoint, optimize=False)
    for got, want in zip(results, plain(people, cloth, mask)):
        assert np.abs(got['tryon'].astype(int) - want['tryon']).max() <= 1
    # two garments alternating over four people: each encoded once
    encoded.clear()
    mixed = inferencer(people + [person], [cloth, other, cloth, other],
                       [mask, other_mask, mask, other_mask], batch_size=3)
    assert encoded == [2]
    single = inferencer(people[1], other, other_mask)[0]
    assert np.abs(mixed[1]['tryon'].astype(int) - single['tryon']).max() <= 1
    encoded.clear()
    inferencer.forward([inferencer.preprocess(
        (load_photo(person, 'person', 0), load_photo(cloth, 'cloth', 0),
         load_mask(mask, cloth.shape[:2], 0)))])  # no keys: its own garment
    assert encoded == [1]


def test_optimize_option(tiny, monkeypatch):
    config, checkpoint, _ = tiny
    assert TryOnInferencer(config, checkpoint, optimize=True).optimized
    plain = TryOnInferencer(config, checkpoint, optimize=False, channels_last=True)
    assert plain.fast_model is None
    assert plain.model.data_preprocessor.channels_last
    monkeypatch.setattr(tryon_inferencer, 'supports_fast_inference', lambda model: False)
    assert not TryOnInferencer(config, checkpoint).optimized
    with pytest.raises(InferenceSetupError, match='optimize=True needs a parser-free model '
                                                  'with a flow-cascade warper'):
        TryOnInferencer(config, checkpoint, optimize=True)
    with pytest.raises(ValueError, match='capacity'):
        TryOnInferencer(config, checkpoint, garment_cache_size=-1)
