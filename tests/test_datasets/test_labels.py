"""The label tables: every source id maps, names agree, left/right pairs consistent."""
import numpy as np
import pytest

from vtonbox.datasets import labels
from vtonbox.datasets.labels import (
    ATR_CLASSES,
    BODY25_KEYPOINTS,
    BODY25_TO_OPENPOSE18,
    CATEGORIES,
    CIHP_CLASSES,
    DEFAULT_PARSING_REGIONS,
    DENSEPOSE_PARTS,
    LABEL_SET_FLIP_PAIRS,
    LABEL_SETS,
    LIP_CLASSES,
    OPENPOSE18_KEYPOINTS,
    PARSING_CLASSES,
    PARSING_FLIP_PAIRS,
    PARSING_LOOKUPS,
    PARSING_REGIONS,
    TEACHER_DENSEPOSE_IDS,
    parsing_lookup,
)
from vtonbox.datasets.transforms.flip import swap_lookup

SOURCE_SETS = ('cihp', 'lip', 'atr')
#: The try-on garment per category and label set (the dataset documentation's classes).
GARMENT = dict(upper_body={'upper_clothes', 'dress', 'coat', 'jumpsuits'},
               lower_body={'pants', 'skirt'}, dresses={'dress', 'jumpsuits'})


def test_label_set_names():
    assert len(CIHP_CLASSES) == len(LIP_CLASSES) == 20 and len(ATR_CLASSES) == 18
    assert [n for a, n in zip(CIHP_CLASSES, LIP_CLASSES) if a != n] == ['jumpsuits']
    assert CIHP_CLASSES.index('upper_clothes') == 5 and CIHP_CLASSES.index('face') == 13
    assert ATR_CLASSES.index('upper_clothes') == 4 and ATR_CLASSES.index('pants') == 6
    assert ATR_CLASSES.index('dress') == 7 and ATR_CLASSES.index('head') == 11
    for names in LABEL_SETS.values():
        assert len(set(names) - {'unused_2', 'unused_3'}) == len(names) - \
            sum(n.startswith('unused') for n in names)


@pytest.mark.parametrize('label_set', SOURCE_SETS)
@pytest.mark.parametrize('category', CATEGORIES)
def test_every_source_id_maps_and_regions_agree(label_set, category):
    lookup = PARSING_LOOKUPS[label_set][category]
    names = LABEL_SETS[label_set]
    assert len(lookup) == len(names)
    assert all(0 <= v < len(PARSING_CLASSES) and not PARSING_CLASSES[v].startswith('unused')
               for v in lookup)
    # the try-on garment region of the category, exactly
    regions = PARSING_REGIONS[label_set][category]
    garment = {names[i] for i in regions['upper_cloth_mask']}
    assert garment == GARMENT[category] & set(names)
    # regions are the source-id form of the VITON regions and never overlap
    ids = np.arange(len(names))
    converted = np.asarray(lookup)
    seen = np.zeros(len(names), dtype=int)
    for region, viton_ids in DEFAULT_PARSING_REGIONS.items():
        expected = np.isin(converted, viton_ids)
        assert np.array_equal(np.isin(ids, regions[region]), expected), region
        seen += expected
    assert seen.max() == 1
    # the head and background are the same in every category
    assert {names[i] for i in regions['face_mask']} == {'hat', 'hair', 'sunglasses', 'face',
                                                       'head'} & set(names)
    assert names[lookup.index(0)] == 'background'


@pytest.mark.parametrize('label_set', SOURCE_SETS)
@pytest.mark.parametrize('category', CATEGORIES)
def test_flip_pairs_commute_with_the_conversion(label_set, category):
    """Mirroring then converting == converting then mirroring (with the VITON pairs)."""
    lut = np.asarray(parsing_lookup(label_set, category))
    ids = np.arange(len(lut))
    source_swap = swap_lookup(LABEL_SET_FLIP_PAIRS[label_set])
    viton_swap = swap_lookup(PARSING_FLIP_PAIRS)
    assert np.array_equal(lut[source_swap[ids]], viton_swap[lut[ids]])
    for left, right in LABEL_SET_FLIP_PAIRS[label_set]:
        names = LABEL_SETS[label_set]
        assert names[left].startswith('left_') and names[right] == \
            'right_' + names[left][len('left_'):]


def test_atr_upper_body_matches_the_published_mapping():
    """The ATR -> 14-class mapping of the open re-implementation, except bag and scarf,
    which are kept clothing here (dataset_prepare.md, DressCode)."""
    published = {0: 0, 1: 1, 2: 1, 3: 12, 4: 4, 5: 8, 6: 8, 7: 4, 8: 8, 9: 5, 10: 6, 11: 12,
                 12: 9, 13: 10, 14: 11, 15: 13, 16: 2, 17: 11}
    lookup = PARSING_LOOKUPS['atr']['upper_body']
    differ = {i for i, v in published.items() if lookup[i] != v}
    assert differ == {16, 17} and lookup[16] == lookup[17] == labels.PARSING_IDS['pants']


def test_cihp_upper_body_follows_the_hr_viton_grouping():
    lookup = PARSING_LOOKUPS['cihp']['upper_body']
    assert {lookup[i] for i in (0, 10)} == {0}          # background, torso skin
    assert {lookup[i] for i in (1, 2)} == {1}           # hair
    assert {lookup[i] for i in (4, 13)} == {12}         # face
    assert {lookup[i] for i in (5, 6, 7)} == {4}        # upper
    assert {lookup[i] for i in (9, 12)} == {8}          # bottom


def test_roles_of_legs_and_arms_by_category():
    arm, kept = set(DEFAULT_PARSING_REGIONS['arm_mask']), \
        set(DEFAULT_PARSING_REGIONS['other_clothes_mask'])
    atr = PARSING_LOOKUPS['atr']
    legs, arms = (12, 13), (14, 15)
    assert {atr['upper_body'][i] for i in arms} <= arm and \
        {atr['upper_body'][i] for i in legs} <= kept
    assert {atr['lower_body'][i] for i in legs} <= arm and \
        {atr['lower_body'][i] for i in arms} <= kept
    assert {atr['dresses'][i] for i in legs + arms} <= arm
    with pytest.raises(ValueError, match='category'):
        parsing_lookup('atr', 'shoes')
    with pytest.raises(ValueError, match='label_set'):
        parsing_lookup('pascal')


def test_teacher_densepose_ids_name_the_repainted_parts():
    for category, ids in TEACHER_DENSEPOSE_IDS.items():
        assert {DENSEPOSE_PARTS[i] for i in ids['hand_ids']} == {'right_hand', 'left_hand'}
        parts = {DENSEPOSE_PARTS[i].split('_')[1] for i in ids['arm_ids']}
        expected = dict(upper_body={'arm'}, lower_body={'leg'}, dresses={'arm', 'leg'})
        assert parts == expected[category]
    assert [DENSEPOSE_PARTS[p] for _, p in labels.PARSING_TO_DENSEPOSE_PARTS] == \
        ['upper_arm_left', 'upper_arm_right']
    assert [PARSING_CLASSES[i] for i, _ in labels.PARSING_TO_DENSEPOSE_PARTS] == \
        ['left_arm', 'right_arm']
    assert labels.DENSEPOSE_INPUT_CHANNELS == dict(parts=25, rgb=3)


def test_body25_to_openpose18_by_name():
    assert len(BODY25_KEYPOINTS) == 25 and len(set(BODY25_KEYPOINTS)) == 25
    assert [BODY25_KEYPOINTS[i] for i in BODY25_TO_OPENPOSE18] == list(OPENPOSE18_KEYPOINTS)
    assert BODY25_KEYPOINTS[8] == 'mid_hip' and all('toe' in n or 'heel' in n
                                                      for n in BODY25_KEYPOINTS[19:])
    assert BODY25_TO_OPENPOSE18[8:14] == (9, 10, 11, 12, 13, 14)
    assert labels.DRESSCODE_KEYPOINT_FRAME == (512, 384)
