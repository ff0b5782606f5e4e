"""ConvertParsingLabels: CIHP / LIP / ATR maps -> VITON ids by table, category-aware."""
import numpy as np
import pytest

from vtonbox.datasets.labels import ATR_CLASSES, CIHP_CLASSES, PARSING_IDS, PARSING_LOOKUPS
from vtonbox.datasets.transforms import ConvertParsingLabels, ParsingToRegionMasks


def test_every_id_converted_by_the_table():
    ids = np.arange(len(CIHP_CLASSES), dtype=np.uint8).reshape(4, 5)
    out = ConvertParsingLabels('cihp', 'upper_body', keep_source=True)(dict(parsing=ids))
    assert out['parsing'].dtype == np.uint8 and out['parsing'].shape == ids.shape
    assert out['parsing'].ravel().tolist() == list(PARSING_LOOKUPS['cihp']['upper_body'])
    assert out['parsing_source'] is ids


@pytest.mark.parametrize('category,garments', [
    ('upper_body', ('upper_clothes', 'dress')),  # tops: a dress counts as the top
    ('lower_body', ('pants', )), ('dresses', ('dress', ))])
def test_garment_region_follows_the_category(category, garments):
    names = ('upper_clothes', 'pants', 'dress', 'head')
    ids = np.array([[ATR_CLASSES.index(n) for n in names]], dtype=np.uint8)
    results = ConvertParsingLabels('atr')(dict(parsing=ids, category=category))
    masks = ParsingToRegionMasks()(results)
    assert masks['upper_cloth_mask'][0].tolist() == [float(n in garments) for n in names]
    assert masks['other_clothes_mask'][0].tolist() == [
        float(n not in garments and n != 'head') for n in names]
    assert masks['face_mask'][0, 3] == 1 and results['parsing'][0, 3] == PARSING_IDS['face']


def test_errors():
    with pytest.raises(ValueError, match=r'\[20, 33\] are not cihp ids'):
        ConvertParsingLabels('cihp', 'upper_body')(
            dict(parsing=np.array([[0, 20, 33]], np.uint8), parsing_path='x.png'))
    with pytest.raises(KeyError, match='category'):
        ConvertParsingLabels('atr')(dict(parsing=np.zeros((2, 2), np.uint8)))
    with pytest.raises(ValueError, match='label_set'):
        ConvertParsingLabels('viton')
    with pytest.raises(ValueError, match='category'):
        ConvertParsingLabels('atr', 'hats')
