# Human parser on the synthetic VITON data at 128 x 96: a CPU-sized run (a few minutes on
# 2 cores) that checks the whole parser pipeline end to end. Trains on the synthetic
# train split and scores mIoU on its test split (which has test_label).
#   python tools/dataset/make_synthetic.py data/synthetic --num-train 256 --num-test 32 \
#       --height 128 --width 96
#   OMP_NUM_THREADS=1 python tools/train.py configs/synthetic/human_parser.py
#   python tools/test.py configs/synthetic/human_parser.py \
#       work_dirs/human_parser/epoch_20.pth --protocols unpaired
# Measured: test mIoU 0.942 (per-position majority-label baseline 0.460), 640 iterations,
# 8.5 min on 2 shared CPU cores (docs/user_guides/inference.md, section "Human parser").
_base_ = ['../human_parser.py']

# A narrower U-Net than on VITON, so that a CPU run takes minutes.
model = dict(network=dict(base_channels=16, max_channels=128))

data_root = 'data/synthetic'
img_size = (128, 96)  # (H, W), multiples of 32
flip_prob = 0.5
num_classes = 14
train_batch_size = 8
train_num_workers = 2

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
    dataset=dict(
        data_root=data_root,
        data_prefix=dict(person='train_img', cloth='train_color', parsing='train_label'),
        indices=None,  # the whole train split
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    dataset=dict(
        data_root=data_root,
        data_prefix=dict(person='test_img', cloth='test_color', parsing='test_label'),
        indices=None,  # the whole test split
        pipeline=val_pipeline))
test_dataloader = val_dataloader

lr = 1e-3
max_epochs = 20
val_interval = 5
min_lr_ratio = 0.01
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=lr * min_lr_ratio, begin=0, end=max_epochs,
         by_epoch=True, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=val_interval)
default_hooks = dict(
    logger=dict(interval=8),
    checkpoint=dict(interval=val_interval))
log_processor = dict(window_size=8)
