# Human parser: person photo -> 14-class VITON parsing map (the `train_label` ids that the
# parser-based teacher needs), so that the teacher can be trained on your own photos.
# A U-Net trained with pixel-wise cross-entropy on VITON_traindata (train_img /
# train_label) at 256 x 192; mIoU on a held-out tail of the sorted training listing.
#   python tools/train.py configs/human_parser.py
#   python tools/test.py configs/human_parser.py work_dirs/human_parser/epoch_50.pth \
#       --protocols unpaired
# See docs/user_guides/inference.md, section "Human parser".
_base_ = ['_base_/default_runtime.py']

num_classes = 14  # VITON parsing ids 0..13 (vtonbox.datasets.labels.PARSING_CLASSES)
ignore_index = 255
model = dict(
    type='HumanParser',
    network=dict(type='ParsingUNet', in_channels=3, num_classes=num_classes, base_channels=32,
                 depth=4, max_channels=256, norm_cfg=dict(type='BN')),
    class_weights=None,
    ignore_index=ignore_index,
    loss_weight=1.0,
    input_key='person',
    target_key='parsing',
    data_preprocessor=dict(type='TryOnDataPreprocessor'))

# ---------------------------------------------------------------- data
dataset_type = 'VITONDataset'
val_dataset_type = 'VITONTestDataset'
data_root = 'data/VITON_traindata'
img_size = (256, 192)  # (H, W), multiples of 32
flip_prob = 0.5  # mirror + swap the left/right ids (arms, legs, shoes)
# VITON_traindata has labels for its training split only: hold out the last
# `num_val_pairs` samples of the sorted listing and train on the others. Set
# `num_labelled_pairs` to the number of images in train_img for other data.
num_labelled_pairs = 14221  # upstream README
num_val_pairs = 500
num_train_pairs = num_labelled_pairs - num_val_pairs
train_batch_size = 8
train_num_workers = 4

# `cloth` is only needed to pair the listings; the pipelines load person + parsing.
data_prefix = dict(person='train_img', cloth='train_color', parsing='train_label')
train_pipeline = [
    dict(type='LoadTryOnImage', keys=['person']),
    dict(type='LoadParsing', num_classes=num_classes),
    dict(type='ResizePad', size=img_size),
    dict(type='TryOnRandomFlip', prob=flip_prob),
    dict(type='PackTryOnInputs'),
]
val_pipeline = [
    dict(type='LoadTryOnImage', keys=['person']),
    dict(type='LoadParsing', num_classes=num_classes),
    dict(type='ResizePad', size=img_size),
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
        data_prefix=data_prefix,
        indices=num_train_pairs,  # the first ones of the sorted listing
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=val_dataset_type,
        data_root=data_root,
        data_prefix=data_prefix,
        indices=-num_val_pairs,  # the last ones of the sorted listing
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='ParsingMIoU', num_classes=num_classes, ignore_index=ignore_index)
test_evaluator = val_evaluator

# ---------------------------------------------------------------- schedule
lr = 1e-3
max_epochs = 50
val_interval = 5
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=lr, weight_decay=0.0))
# Polynomial decay to `lr * min_lr_ratio` over the whole run (per iteration).
min_lr_ratio = 0.01
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=lr * min_lr_ratio, begin=0, end=max_epochs,
         by_epoch=True, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# No `save_best`: tools/test.py runs the val loop outside training, where MMEngine's
# CheckpointHook cannot save a best checkpoint; the poly schedule ends at a low lr and
# the last checkpoint is the one to use.
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=val_interval, max_keep_ckpts=2,
                    save_last=True))
