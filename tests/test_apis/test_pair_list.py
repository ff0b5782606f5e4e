"""Pair lists of tools/demo.py --pairs: names found under the data root or its test folders."""
import pytest

from vtonbox.apis import TryOnInputError, resolve_pair_list


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'x')


def test_resolves_root_and_test_folders_and_masks(tmp_path):
    touch(tmp_path / 'test_img' / 'a_0.jpg')
    touch(tmp_path / 'b_0.jpg')
    touch(tmp_path / 'test_clothes' / 'c_1.jpg')
    touch(tmp_path / 'test_edge' / 'c_1.jpg')
    pairs = tmp_path / 'pairs.txt'
    pairs.write_text('# person cloth\na_0.jpg c_1.jpg\n\nb_0.jpg c_1.jpg\n')
    persons, cloths, masks = resolve_pair_list(str(pairs))
    assert persons == [str(tmp_path / 'test_img' / 'a_0.jpg'), str(tmp_path / 'b_0.jpg')]
    assert cloths == [str(tmp_path / 'test_clothes' / 'c_1.jpg')] * 2 and masks is None
    _, _, masks = resolve_pair_list(str(pairs), str(tmp_path), mask_dir='test_edge')
    assert masks == [str(tmp_path / 'test_edge' / 'c_1.jpg')] * 2


def test_mask_with_another_extension(tmp_path):
    touch(tmp_path / 'p.jpg')
    touch(tmp_path / 'cloth' / 'g.jpg')
    touch(tmp_path / 'masks' / 'g.png')
    pairs = tmp_path / 'pairs.txt'
    pairs.write_text('p.jpg g.jpg\n')
    _, _, masks = resolve_pair_list(str(pairs), mask_dir=str(tmp_path / 'masks'))
    assert masks == [str(tmp_path / 'masks' / 'g.png')]


def test_errors_name_what_is_missing(tmp_path):
    pairs = tmp_path / 'pairs.txt'
    with pytest.raises(TryOnInputError, match='pair list not found'):
        resolve_pair_list(str(pairs))
    pairs.write_text('only_one_name.jpg\n')
    with pytest.raises(TryOnInputError, match=r'pairs.txt:1: expected "person.jpg cloth.jpg"'):
        resolve_pair_list(str(pairs))
    pairs.write_text('# nothing\n')
    with pytest.raises(TryOnInputError, match='has no pairs'):
        resolve_pair_list(str(pairs))
    touch(tmp_path / 'g.jpg')
    pairs.write_text('x_0.jpg g.jpg\ny_0.jpg g.jpg\n')
    with pytest.raises(TryOnInputError, match='2 person images .* not found .*x_0.jpg, y_0.jpg'):
        resolve_pair_list(str(pairs))
    touch(tmp_path / 'x_0.jpg')
    pairs.write_text('x_0.jpg g.jpg\n')
    with pytest.raises(TryOnInputError, match='mask folder not found'):
        resolve_pair_list(str(pairs), mask_dir='edges')
    (tmp_path / 'edges').mkdir()
    with pytest.raises(TryOnInputError, match='1 garment masks .* g.jpg'):
        resolve_pair_list(str(pairs), mask_dir='edges')
    with pytest.raises(TryOnInputError, match='data root not found'):
        resolve_pair_list(str(pairs), str(tmp_path / 'nowhere'))
