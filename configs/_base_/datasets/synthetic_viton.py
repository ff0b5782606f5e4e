# Synthetic VITON (tools/dataset/make_synthetic.py) at a small CPU size, 128 x 96.
# Same modalities and pipelines as viton.py; both splits use the upstream folder names.
# Generate it with:
#   python tools/dataset/make_synthetic.py data/synthetic --num-train 256 --num-test 32 \
#       --height 128 --width 96
dataset_type = 'VITONDataset'
test_dataset_type = 'VITONTestDataset'
data_root = 'data/synthetic'
test_data_root = data_root
img_size = (128, 96)  # (H, W), multiples of 32
flip_prob = 0.0
cloth_mask_threshold = 0.5
pose_radius = 5  # at 256 px height; GeneratePoseMap scales it to 128 px (-> 3)
train_batch_size = 4
train_num_workers = 2

train_data_prefix = dict(person='train_img', cloth='train_color', cloth_mask='train_edge',
                         parsing='train_label', pose='train_pose', densepose='train_densepose')
test_data_prefix = dict(person='test_img', cloth='test_color', cloth_mask='test_edge')

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
    dict(type='ParsingToRegionMasks'),
    dict(type='GeneratePoseMap', radius=pose_radius),
    dict(type='DensePoseToOneHot'),
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
    persistent_workers=False,  # so that num_workers=0 can be set from the command line
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=train_data_prefix,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=test_dataset_type,
        data_root=test_data_root,
        data_prefix=test_data_prefix,
        ann_file='test_pairs_paired.txt',
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=test_dataset_type,
        data_root=test_data_root,
        data_prefix=test_data_prefix,
        ann_file='test_pairs.txt',
        pipeline=test_pipeline))
