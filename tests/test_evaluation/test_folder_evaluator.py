"""Folder evaluation agrees with pytorch-fid and scikit-image; clear errors for bad input."""
import shutil

import numpy as np
import pytest
import pytorch_fid.inception as pytorch_fid_inception
import torch
from PIL import Image
from pytorch_fid.fid_score import calculate_fid_given_paths
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from vtonbox.evaluation import evaluate_folders, folder_record
from vtonbox.evaluation.errors import EvaluationFileNotFoundError, EvaluationInputError
from vtonbox.evaluation.functional.lpips import (
    build_lpips_alex,
    lpips_distance,
    save_random_alexnet_weights,
)
from vtonbox.evaluation.image_io import list_images
from vtonbox.utils.cli import UserError

from .conftest import make_images, write_folder


def test_metrics_match_pytorch_fid_and_skimage(inception_weights, image_folders,
                                               folder_evaluation, monkeypatch):
    real_dir, fake_dir = image_folders
    result = folder_evaluation

    # pytorch-fid's own pipeline, only its weight loading redirected to the same file.
    monkeypatch.setattr(pytorch_fid_inception, 'load_state_dict_from_url',
                        lambda url, progress=True: torch.load(inception_weights,
                                                              weights_only=True))
    expected_fid = calculate_fid_given_paths([real_dir, fake_dir], batch_size=50, device='cpu',
                                             dims=2048, num_workers=0)
    assert expected_fid > 1e-3  # the two folders really differ
    assert abs(result.metrics['FID'] - expected_fid) <= 1e-3
    assert result.metrics['FID'] == pytest.approx(expected_fid, rel=1e-4)

    ssim_values, psnr_values = [], []
    for fake_path in list_images(fake_dir):
        real_path = fake_path.replace(fake_dir, real_dir)
        fake, real = np.asarray(Image.open(fake_path)), np.asarray(Image.open(real_path))
        ssim_values.append(structural_similarity(
            np.asarray(Image.open(fake_path).convert('L')),
            np.asarray(Image.open(real_path).convert('L')), gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False, data_range=255))
        psnr_values.append(peak_signal_noise_ratio(real, fake, data_range=255))
    assert abs(result.metrics['SSIM'] - np.mean(ssim_values)) <= 1e-6
    assert result.metrics['PSNR'] == pytest.approx(np.mean(psnr_values), rel=1e-12)
    assert np.isfinite(result.metrics['KIDx1000']) and result.metrics['KIDx1000_std'] >= 0
    assert (result.num_real, result.num_fake, result.num_pairs) == (3, 3, 3)
    assert result.image_size == (64, 64) and result.image_format == 'png'

    # 3 images: both values come with their counts and the small-sample warnings.
    assert result.inception_images == {
        'FID': dict(generated=3, real=3, min_reliable=2000),
        'KID': dict(generated=3, real=3, min_reliable=100)}
    assert [n.split(',')[0] for n in result.notes] == [
        'FID computed from 3 generated and 3 real images',
        'KID computed from 3 generated and 3 real images']

    record = folder_record(result, real_dir, fake_dir, skipped={'X': 'why'})
    assert record['metrics']['FID'] == result.metrics['FID']
    assert record['protocol']['fid']['weights_sha256']
    assert record['protocol']['ssim']['variant'] == 'gray'
    assert record['protocol']['inception_images'] == result.inception_images
    assert record['warnings'] == result.notes and record['skipped'] == {'X': 'why'}


@pytest.mark.parametrize('resize, key', [(None, 'LPIPS'), ((32, 32), 'LPIPS@32x32')])
def test_lpips_on_pairs(image_folders, tmp_path, resize, key):
    """LPIPS of the same-named pairs equals the functional value; its provenance (and the
    preset, when given) goes into the record."""
    real_dir, fake_dir = image_folders
    weights = save_random_alexnet_weights(str(tmp_path / 'alex.pth'), seed=1)
    result = evaluate_folders(real_dir, fake_dir, ['lpips', 'psnr'], lpips_weights=weights,
                              lpips_resize=resize, show_progress=False)
    model = build_lpips_alex(weights)
    expected = np.mean([lpips_distance(model, np.array(Image.open(fake)),
                                       np.array(Image.open(fake.replace(fake_dir, real_dir))),
                                       resize) for fake in list_images(fake_dir)])
    assert set(result.metrics) == {key, 'PSNR'}
    assert result.metrics[key] > 0 and abs(result.metrics[key] - expected) <= 1e-6
    assert result.weights_path is None  # no Inception
    record = folder_record(result, real_dir, fake_dir, preset={'name': 'x'})
    entry = record['protocol']['lpips'][key]
    assert entry['resize'] == (list(resize) if resize else None)
    assert entry['weights'] == 'alex.pth' and len(entry['weights_sha256']) == 64
    assert record['protocol']['preset'] == {'name': 'x'}
    assert 'preset' not in folder_record(result, real_dir, fake_dir)['protocol']


def test_pairs_file_and_size_policy(tmp_path):
    real = make_images(2, seed=3)
    write_folder(tmp_path / 'real', real)
    fake_dir = tmp_path / 'fake'
    fake_dir.mkdir()
    Image.fromarray(real[1]).save(fake_dir / 'a.png')  # identical to real 000001_0.png
    Image.fromarray(real[0]).save(fake_dir / 'b.png')
    pairs = tmp_path / 'pairs.txt'
    pairs.write_text('# fake real\na.png 000001_0.png\nb.png 000000_0.png\n')
    result = evaluate_folders(str(tmp_path / 'real'), str(fake_dir), ['ssim'],
                              pairs_file=str(pairs), show_progress=False)
    assert result.metrics == {'SSIM': pytest.approx(1.0)}
    assert result.weights_path is None  # no Inception needed, none loaded

    with pytest.raises(ValueError, match='no file name is in both'):
        evaluate_folders(str(tmp_path / 'real'), str(fake_dir), ['psnr'], show_progress=False)

    small = tmp_path / 'small'
    write_folder(small, make_images(2, seed=3, size=(32, 32)))
    with pytest.raises(ValueError, match='size mismatch'):
        evaluate_folders(str(tmp_path / 'real'), str(small), ['psnr'], show_progress=False)


def test_folder_errors(tmp_path):
    write_folder(tmp_path / 'real', make_images(2, seed=0))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(EvaluationFileNotFoundError, match='not found') as error:
        evaluate_folders(str(tmp_path / 'missing'), str(tmp_path / 'real'), ['ssim'])
    assert isinstance(error.value, FileNotFoundError) and isinstance(error.value, UserError)
    assert error.value.line() == f'image folder not found ({tmp_path / "missing"}): check the path'
    with pytest.raises(EvaluationInputError, match='no images') as error:
        evaluate_folders(str(tmp_path / 'real'), str(tmp_path / 'empty'), ['ssim'])
    assert isinstance(error.value, ValueError) and error.value.file == str(tmp_path / 'empty')
    with pytest.raises(ValueError, match='subset of'):
        evaluate_folders(str(tmp_path / 'real'), str(tmp_path / 'real'), ['is'])
    with pytest.raises(FileNotFoundError, match='FID Inception weights not found'):
        evaluate_folders(str(tmp_path / 'real'), str(tmp_path / 'real'), ['fid'],
                         inception_weights=str(tmp_path / 'none.pth'))


def test_listing_follows_pytorch_fid(tmp_path):
    write_folder(tmp_path, make_images(2, seed=0))
    shutil.copy(tmp_path / '000000_0.png', tmp_path / 'upper.PNG')  # pytorch-fid skips it
    (tmp_path / 'notes.txt').write_text('x')
    assert [p.rsplit('/', 1)[1] for p in list_images(str(tmp_path))] == [
        '000000_0.png', '000001_0.png']


def test_paired_inputs_checked_before_inception(tmp_path, monkeypatch):
    """A bad pairs file or a size mismatch fails before any Inception feature is computed."""
    import vtonbox.evaluation.folder_evaluator as folder_evaluator

    def no_inception(*args, **kwargs):
        raise AssertionError('Inception was built before the inputs were checked')

    monkeypatch.setattr(folder_evaluator, 'InceptionFeatureExtractor', no_inception)
    write_folder(tmp_path / 'real', make_images(2, seed=0))
    write_folder(tmp_path / 'small', make_images(2, seed=0, size=(32, 32)))
    real, small = str(tmp_path / 'real'), str(tmp_path / 'small')
    with pytest.raises(EvaluationFileNotFoundError, match='pairs file not found'):
        evaluate_folders(real, real, ['fid', 'ssim'], pairs_file=str(tmp_path / 'no.txt'))
    bad = tmp_path / 'bad.txt'
    bad.write_text('a.png\n')
    with pytest.raises(EvaluationInputError) as error:
        evaluate_folders(real, real, ['kid', 'psnr'], pairs_file=str(bad))
    assert error.value.line() == (f"line 1 is 'a.png', not \"fake_name real_name\" ({bad}): "
                                  'write one pair of file names per line')
    with pytest.raises(EvaluationInputError, match='size mismatch'):
        evaluate_folders(real, small, ['fid', 'psnr'])


def test_undecodable_image_is_a_user_error(tmp_path):
    write_folder(tmp_path / 'real', make_images(1, seed=0))
    fake = tmp_path / 'fake'
    fake.mkdir()
    (fake / '000000_0.png').write_bytes(b'not a png')
    with pytest.raises(EvaluationInputError) as error:
        evaluate_folders(str(tmp_path / 'real'), str(fake), ['psnr'], show_progress=False)
    assert error.value.line() == (f'cannot read image ({fake / "000000_0.png"}): replace or '
                                  'remove the file')
