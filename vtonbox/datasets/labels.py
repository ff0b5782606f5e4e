"""Label sets of the VITON data: parsing ids, OpenPose-18 keypoints, DensePose parts.

Left/right follow the *person's* side (the convention of the labelling tools): for a
person facing the camera, the person's right arm is on the image's left.

Parsing: the 14-class map of the ``VITON_traindata`` package (ACGPN's rearrangement of
the LIP/CIHP labels). Ids 2 and 3 are unused; 7 is "noise", which PF-AFN merges into
upper clothes. The synthetic generator also labels the neck as face (12): this label
set has no neck or torso-skin id.
"""

#: Parsing id -> name (14 classes, ids 0..13).
PARSING_CLASSES = (
    'background',   # 0
    'hair',         # 1
    'unused_2',     # 2
    'unused_3',     # 3
    'upper_clothes',  # 4
    'left_shoe',    # 5
    'right_shoe',   # 6
    'noise',        # 7 (merged into upper clothes by PF-AFN)
    'pants',        # 8 (pants, skirt)
    'left_leg',     # 9
    'right_leg',    # 10
    'left_arm',     # 11
    'face',         # 12
    'right_arm',    # 13
)
NUM_PARSING_CLASSES = len(PARSING_CLASSES)

PARSING_IDS = {name: idx for idx, name in enumerate(PARSING_CLASSES)}

#: Region masks built from the parsing map (docs/user_guides/dataset_prepare.md, "Parsing ids").
DEFAULT_PARSING_REGIONS = dict(
    upper_cloth_mask=(4, 7),
    face_mask=(1, 12),
    other_clothes_mask=(5, 6, 8, 9, 10),
    arm_mask=(11, 13),
)

#: Parsing ids that swap under a horizontal flip (left/right shoe, leg, arm).
PARSING_FLIP_PAIRS = ((5, 6), (9, 10), (11, 13))

#: OpenPose COCO-18 keypoint names, in file order.
OPENPOSE18_KEYPOINTS = (
    'nose', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist', 'left_shoulder',
    'left_elbow', 'left_wrist', 'right_hip', 'right_knee', 'right_ankle', 'left_hip',
    'left_knee', 'left_ankle', 'right_eye', 'left_eye', 'right_ear', 'left_ear')
NUM_KEYPOINTS = len(OPENPOSE18_KEYPOINTS)

#: Keypoint indices that swap under a horizontal flip.
POSE_FLIP_PAIRS = ((2, 5), (3, 6), (4, 7), (8, 11), (9, 12), (10, 13), (14, 15), (16, 17))

#: DensePose coarse part index (I channel), 0 = background. Every limb segment has two
#: ids (two surface patches), per the DensePose-COCO data format.
DENSEPOSE_PARTS = (
    'background',                           # 0
    'torso', 'torso',                       # 1, 2
    'right_hand', 'left_hand',              # 3, 4
    'left_foot', 'right_foot',              # 5, 6
    'upper_leg_right', 'upper_leg_left',    # 7, 8
    'upper_leg_right', 'upper_leg_left',    # 9, 10
    'lower_leg_right', 'lower_leg_left',    # 11, 12
    'lower_leg_right', 'lower_leg_left',    # 13, 14
    'upper_arm_left', 'upper_arm_right',    # 15, 16
    'upper_arm_left', 'upper_arm_right',    # 17, 18
    'lower_arm_left', 'lower_arm_right',    # 19, 20
    'lower_arm_left', 'lower_arm_right',    # 21, 22
    'head', 'head',                         # 23, 24 (two halves)
)
NUM_DENSEPOSE_CLASSES = len(DENSEPOSE_PARTS)

#: DensePose ids that swap under a horizontal flip (every left part with its right twin).
DENSEPOSE_FLIP_PAIRS = ((3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16),
                        (17, 18), (19, 20), (21, 22), (23, 24))


# ---------------------------------------------------------------------------------------
# Other label sets (VITON-HD, DressCode) and their conversion to the tables above.
# docs/user_guides/dataset_prepare.md, "Label sets", explains the choices.
# ---------------------------------------------------------------------------------------

#: CIHP 20 classes: the ``image-parse-v3`` maps of VITON-HD.
CIHP_CLASSES = (
    'background', 'hat', 'hair', 'glove', 'sunglasses', 'upper_clothes', 'dress', 'coat',
    'socks', 'pants', 'torso_skin', 'scarf', 'skirt', 'face', 'left_arm', 'right_arm',
    'left_leg', 'right_leg', 'left_shoe', 'right_shoe')
#: LIP 20 classes: as CIHP except id 10.
LIP_CLASSES = CIHP_CLASSES[:10] + ('jumpsuits', ) + CIHP_CLASSES[11:]
#: ATR 18 classes: the ``label_maps`` of DressCode.
ATR_CLASSES = (
    'background', 'hat', 'hair', 'sunglasses', 'upper_clothes', 'skirt', 'pants', 'dress',
    'belt', 'left_shoe', 'right_shoe', 'head', 'left_leg', 'right_leg', 'left_arm',
    'right_arm', 'bag', 'scarf')
#: Label set name -> class names (ids are the indices).
LABEL_SETS = dict(viton=PARSING_CLASSES, cihp=CIHP_CLASSES, lip=LIP_CLASSES, atr=ATR_CLASSES)

#: Ids that swap under a horizontal flip (arms, legs, shoes), per label set.
CIHP_FLIP_PAIRS = ((14, 15), (16, 17), (18, 19))
LIP_FLIP_PAIRS = CIHP_FLIP_PAIRS
ATR_FLIP_PAIRS = ((9, 10), (12, 13), (14, 15))
LABEL_SET_FLIP_PAIRS = dict(viton=PARSING_FLIP_PAIRS, cihp=CIHP_FLIP_PAIRS,
                            lip=LIP_FLIP_PAIRS, atr=ATR_FLIP_PAIRS)

#: Garment categories (DressCode's folder names); VITON and VITON-HD are ``upper_body``.
CATEGORIES = ('upper_body', 'lower_body', 'dresses')

# Roles of the 14 VITON classes in the region masks (DEFAULT_PARSING_REGIONS):
# 'upper_clothes' (4) is *the try-on garment* (``upper_cloth_mask``, whatever the
# category), 'pants' (8) any other clothing or body part the try-on keeps
# (``other_clothes_mask``), 'left_arm' / 'right_arm' (11 / 13) the skin the try-on
# repaints around the garment (``arm_mask``), 'hair' / 'face' the head (``face_mask``).
_CLOTH, _KEPT = 'upper_clothes', 'pants'
_SHARED_ROLES = dict(
    background='background', torso_skin='background', hat='hair', hair='hair',
    sunglasses='face', face='face', head='face', glove=_KEPT, socks=_KEPT, scarf=_KEPT,
    belt=_KEPT, bag=_KEPT, left_shoe='left_shoe', right_shoe='right_shoe')
#: Category -> source class name -> VITON class name (shared by CIHP, LIP and ATR names).
CATEGORY_ROLES = dict(
    # The VITON setting: tops are tried on; arms are repainted; bottoms and legs kept.
    upper_body=dict(
        _SHARED_ROLES, upper_clothes=_CLOTH, dress=_CLOTH, coat=_CLOTH, jumpsuits=_CLOTH,
        pants=_KEPT, skirt=_KEPT, left_leg='left_leg', right_leg='right_leg',
        left_arm='left_arm', right_arm='right_arm'),
    # Trousers / skirts are tried on; legs are the skin to repaint, arms and tops kept.
    lower_body=dict(
        _SHARED_ROLES, pants=_CLOTH, skirt=_CLOTH, upper_clothes=_KEPT, dress=_KEPT,
        coat=_KEPT, jumpsuits=_KEPT, left_leg='left_arm', right_leg='right_arm',
        left_arm=_KEPT, right_arm=_KEPT),
    # Dresses are tried on; arms and legs are both skin to repaint.
    dresses=dict(
        _SHARED_ROLES, dress=_CLOTH, jumpsuits=_CLOTH, upper_clothes=_KEPT, coat=_KEPT,
        pants=_KEPT, skirt=_KEPT, left_leg='left_arm', right_leg='right_arm',
        left_arm='left_arm', right_arm='right_arm'),
)


def parsing_lookup(label_set: str, category: str = 'upper_body') -> tuple:
    """Source id -> VITON 14-class id, for ``label_set`` and garment ``category``.

    Returns:
        tuple[int]: one VITON id per source class (``len(LABEL_SETS[label_set])``).
    """
    if label_set not in LABEL_SETS:
        raise ValueError(f'label_set must be one of {tuple(LABEL_SETS)}, got {label_set!r}')
    if category not in CATEGORIES:
        raise ValueError(f'category must be one of {CATEGORIES}, got {category!r}')
    if label_set == 'viton':
        if category != 'upper_body':
            raise ValueError('the VITON 14-class maps only have upper-body roles')
        return tuple(range(NUM_PARSING_CLASSES))
    roles = CATEGORY_ROLES[category]
    return tuple(PARSING_IDS[roles[name]] for name in LABEL_SETS[label_set])


def parsing_regions(label_set: str, category: str = 'upper_body') -> dict:
    """Region mask name -> source ids (the source-id form of ``DEFAULT_PARSING_REGIONS``).

    Equal to converting with ``parsing_lookup`` and grouping with the default regions.
    """
    lookup = parsing_lookup(label_set, category)
    return {name: tuple(src for src, dst in enumerate(lookup) if dst in ids)
            for name, ids in DEFAULT_PARSING_REGIONS.items()}


#: Label set -> category -> source id -> VITON id (``parsing_lookup`` tabulated).
PARSING_LOOKUPS = {name: {cat: parsing_lookup(name, cat) for cat in CATEGORIES}
                   for name in ('cihp', 'lip', 'atr')}
#: Label set -> category -> region -> source ids (``parsing_regions`` tabulated).
PARSING_REGIONS = {name: {cat: parsing_regions(name, cat) for cat in CATEGORIES}
                   for name in ('cihp', 'lip', 'atr')}

#: DensePose part ids the parser-based teacher treats as hands (kept) and as the skin it
#: repaints (``ParserBasedTryOn(hand_ids=..., arm_ids=...)``), per category, matching the
#: roles above: lower body repaints the legs, dresses arms and legs.
DENSEPOSE_UPPER_LEG_IDS = (7, 8, 9, 10)
DENSEPOSE_LOWER_LEG_IDS = (11, 12, 13, 14)
DENSEPOSE_ARM_PART_IDS = tuple(range(15, 23))
TEACHER_DENSEPOSE_IDS = dict(
    upper_body=dict(hand_ids=(3, 4), arm_ids=DENSEPOSE_ARM_PART_IDS),
    lower_body=dict(hand_ids=(3, 4), arm_ids=DENSEPOSE_UPPER_LEG_IDS + DENSEPOSE_LOWER_LEG_IDS),
    dresses=dict(hand_ids=(3, 4), arm_ids=DENSEPOSE_UPPER_LEG_IDS + DENSEPOSE_LOWER_LEG_IDS
                 + DENSEPOSE_ARM_PART_IDS),
)

#: DensePose inputs: ``'parts'`` = part-index maps (one-hot, 25 channels),
#: ``'rgb'`` = a colour rendering of DensePose (3 channels in [0, 1], VITON-HD).
DENSEPOSE_FORMATS = ('parts', 'rgb')
DENSEPOSE_RGB_CHANNELS = 3
#: Channels of ``densepose_onehot`` (the teacher's DensePose condition) per format.
DENSEPOSE_INPUT_CHANNELS = dict(parts=NUM_DENSEPOSE_CLASSES, rgb=DENSEPOSE_RGB_CHANNELS)
#: Coarse DensePose ids made from the (VITON-id) parsing when only a rendering exists:
#: the repainted-skin ids (11 person's left, 13 right) -> the upper-arm parts, so the
#: teacher's arm region works; nothing is marked as hand.
PARSING_TO_DENSEPOSE_PARTS = ((PARSING_IDS['left_arm'], DENSEPOSE_PARTS.index('upper_arm_left')),
                              (PARSING_IDS['right_arm'],
                               DENSEPOSE_PARTS.index('upper_arm_right')))

#: OpenPose BODY_25 keypoint names, in file order (VITON-HD ``openpose_json``).
BODY25_KEYPOINTS = (
    'nose', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist', 'left_shoulder',
    'left_elbow', 'left_wrist', 'mid_hip', 'right_hip', 'right_knee', 'right_ankle',
    'left_hip', 'left_knee', 'left_ankle', 'right_eye', 'left_eye', 'right_ear', 'left_ear',
    'left_big_toe', 'left_small_toe', 'left_heel', 'right_big_toe', 'right_small_toe',
    'right_heel')
#: For each OpenPose-18 keypoint, its BODY_25 row (matched by name).
BODY25_TO_OPENPOSE18 = tuple(BODY25_KEYPOINTS.index(name) for name in OPENPOSE18_KEYPOINTS)
#: DressCode keypoints: OpenPose-18 order, stored in a 384 x 512 (W x H) frame.
DRESSCODE_KEYPOINT_FRAME = (512, 384)  # (H, W)
#: Keypoint file formats understood by the pose loader and the checker.
POSE_FORMATS = ('openpose18', 'body25', 'dresscode')
