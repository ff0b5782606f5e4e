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

#: Region masks built from the parsing map (pfafn-reference section 1.3).
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
