# VITON at 256 x 192 for PF-AFN (docs/user_guides/dataset_prepare.md): every modality of the
# upstream training package, an unpaired cloth per sample, upstream folder names.
# Images stay uint8 until the data preprocessor, which maps them to [-1, 1]. The pose
# maps, region masks and DensePose one-hots are built there too, on the model's device
# (`defer=True`: the workers send keypoints and id maps, not 47 float channels).
# Child configs that change `img_size` must redefine the pipelines and dataloaders
# (plain variables are resolved when this file is read).
dataset_type = 'VITONDataset'
test_dataset_type = 'VITONTestDataset'
data_root = 'data/VITON_traindata'
# PF-AFN test package (test_img / test_clothes / test_edge) with the cp-vton-plus pair list.
test_data_root = 'data/VITON_test'
img_size = (256, 192)  # (H, W), multiples of 32
flip_prob = 0.0  # upstream hard-disables flipping
cloth_mask_threshold = 0.5  # upstream `edge > 0.5` on [0, 1]
pose_radius = 5  # square half-size at 256 px height, scaled with the height
train_batch_size = 4  # per GPU (upstream: 8 GPUs x 4)
train_num_workers = 4  # per GPU; see docs/user_guides/dataset_prepare.md, "Worker counts"
pin_memory = True  # page-locked batches for fast host-to-GPU copies (ignored on CPU)

train_data_prefix = dict(person='train_img', cloth='train_color', cloth_mask='train_edge',
                         parsing='train_label', pose='train_pose', densepose='train_densepose')
test_data_prefix = dict(person='test_img', cloth='test_clothes', cloth_mask='test_edge')

train_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired']),
    dict(type='LoadClothMask', keys=['cloth_mask', 'cloth_mask_unpaired']),
    dict(type='LoadParsing'),
    dict(type='LoadPoseKeypoints'),
    dict(type='LoadDensePose'),
    dict(type='ResizePad', size=img_size),
    dict(type='TryOnRandomFlip', prob=flip_prob),
    dict(type='BinarizeMask', keys=['cloth_mask', 'cloth_mask_unpaired'],
         threshold=cloth_mask_threshold),
    dict(type='ParsingToRegionMasks', defer=True),
    dict(type='GeneratePoseMap', radius=pose_radius, defer=True),
    dict(type='DensePoseToOneHot', defer=True),
    dict(type='PackTryOnInputs'),
]
test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    dict(type='ResizePad', size=img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=cloth_mask_threshold),
    dict(type='PackTryOnInputs'),
]

train_dataloader = dict(
    batch_size=train_batch_size,
    num_workers=train_num_workers,
    persistent_workers=True,
    pin_memory=pin_memory,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # pseudo_collate + the input tensors stacked in the workers (one tensor per key).
    collate_fn=dict(type='tryon_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=train_data_prefix,
        pipeline=train_pipeline))
# Paired test pairs (the person wears the cloth): the person is the ground truth (SSIM).
# Pairs the sorted test_img / test_clothes listings by index, so both must hold each
# person's own cloth (check with tools/dataset/check_dataset.py DATA --split test).
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,  # so that `num_workers=0` can be set from the command line
    pin_memory=pin_memory,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=test_dataset_type,
        data_root=test_data_root,
        data_prefix=test_data_prefix,
        mode='paired',
        pipeline=test_pipeline))
# Unpaired test protocol (FID): cp-vton-plus test_pairs.txt.
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,  # so that `num_workers=0` can be set from the command line
    pin_memory=pin_memory,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=test_dataset_type,
        data_root=test_data_root,
        data_prefix=test_data_prefix,
        ann_file='test_pairs.txt',
        pipeline=test_pipeline))

# The two protocols of this data: unpaired (FID/KID vs the real test persons) on the test
# split; paired (SSIM/PSNR vs the person's own photo) as the validation loop.
# These are the `viton` evaluation protocol's metrics (vtonbox/evaluation/protocols.py,
# checked by tests/test_evaluation/test_protocols.py) without its LPIPS extra, so runs
# without the AlexNet weights stay quiet; `tools/test.py --protocol viton` adds it.
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
val_evaluator = [dict(type='SSIM'), dict(type='PSNR')]
test_evaluator = [dict(type='FID'), dict(type='KID')]
