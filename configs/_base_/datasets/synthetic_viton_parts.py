# Synthetic VITON (tools/dataset/make_synthetic.py) at a small CPU size, 128 x 96, under
# `synthetic_*` names. Same modalities and pipelines as viton.py; both splits use the
# upstream folder names. synthetic_viton.py exposes these under the usual names; a config
# that already inherits viton.py (configs/synthetic/*.py inherit the full VITON configs)
# swaps its data with `train_dataloader = {{_base_.synthetic_train_dataloader}}`.
# Generate the data with:
#   python tools/dataset/make_synthetic.py data/synthetic --num-train 256 --num-test 32 \
#       --height 128 --width 96
synthetic_data_root = 'data/synthetic'
synthetic_img_size = (128, 96)  # (H, W), multiples of 32
_flip_prob = 0.0
_cloth_mask_threshold = 0.5
_pose_radius = 5  # at 256 px height; GeneratePoseMap scales it to 128 px (-> 3)
# Pose maps, region masks and one-hots are built by the data preprocessor (`defer=True`),
# as in viton.py. These CPU configs leave pin_memory off, and persistent_workers off so
# that the tests and docs can set `num_workers=0` from the command line.

synthetic_train_data_prefix = dict(person='train_img', cloth='train_color',
                                   cloth_mask='train_edge', parsing='train_label',
                                   pose='train_pose', densepose='train_densepose')
synthetic_test_data_prefix = dict(person='test_img', cloth='test_color', cloth_mask='test_edge')

synthetic_train_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired']),
    dict(type='LoadClothMask', keys=['cloth_mask', 'cloth_mask_unpaired']),
    dict(type='LoadParsing'),
    dict(type='LoadPoseKeypoints'),
    dict(type='LoadDensePose'),
    dict(type='ResizePad', size=synthetic_img_size),
    dict(type='TryOnRandomFlip', prob=_flip_prob),
    dict(type='BinarizeMask', keys=['cloth_mask', 'cloth_mask_unpaired'],
         threshold=_cloth_mask_threshold),
    dict(type='ParsingToRegionMasks', defer=True),
    dict(type='GeneratePoseMap', radius=_pose_radius, defer=True),
    dict(type='DensePoseToOneHot', defer=True),
    dict(type='PackTryOnInputs'),
]
synthetic_test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    dict(type='ResizePad', size=synthetic_img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=_cloth_mask_threshold),
    dict(type='PackTryOnInputs'),
]

synthetic_train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # pseudo_collate + the input tensors stacked in the workers (one tensor per key).
    collate_fn=dict(type='tryon_collate'),
    dataset=dict(
        type='VITONDataset',
        data_root=synthetic_data_root,
        data_prefix=synthetic_train_data_prefix,
        pipeline=synthetic_train_pipeline))
# Paired test split: the person wears the cloth (ground truth for SSIM/PSNR).
synthetic_val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VITONTestDataset',
        data_root=synthetic_data_root,
        data_prefix=synthetic_test_data_prefix,
        ann_file='test_pairs_paired.txt',
        pipeline=synthetic_test_pipeline))
# Unpaired test protocol (FID/KID): each person with another person's cloth.
synthetic_test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VITONTestDataset',
        data_root=synthetic_data_root,
        data_prefix=synthetic_test_data_prefix,
        ann_file='test_pairs.txt',
        pipeline=synthetic_test_pipeline))

# The parser-based teacher (and CP-VTON) also needs the person's parsing, pose and
# DensePose at test time; the synthetic test split has them. `_delete_` because the
# VITON configs of these models set their loops to None (no such test data there).
synthetic_teacher_test_data_prefix = dict(synthetic_test_data_prefix, parsing='test_label',
                                          pose='test_pose', densepose='test_densepose')
synthetic_teacher_test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    dict(type='LoadParsing'),
    dict(type='LoadPoseKeypoints'),
    dict(type='LoadDensePose'),
    dict(type='ResizePad', size=synthetic_img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=_cloth_mask_threshold),
    dict(type='ParsingToRegionMasks', defer=True),
    dict(type='GeneratePoseMap', radius=_pose_radius, defer=True),
    dict(type='DensePoseToOneHot', defer=True),
    dict(type='PackTryOnInputs'),
]
synthetic_teacher_val_dataloader = dict(
    synthetic_val_dataloader,
    _delete_=True,
    dataset=dict(synthetic_val_dataloader['dataset'],
                 data_prefix=synthetic_teacher_test_data_prefix,
                 pipeline=synthetic_teacher_test_pipeline))
synthetic_teacher_test_dataloader = dict(
    synthetic_test_dataloader,
    _delete_=True,
    dataset=dict(synthetic_test_dataloader['dataset'],
                 data_prefix=synthetic_teacher_test_data_prefix,
                 pipeline=synthetic_teacher_test_pipeline))
