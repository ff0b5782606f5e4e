# VITON-HD (1024 x 768 photos, tops; docs/user_guides/dataset_prepare.md, section 3) at
# 512 x 384 by default. Every name starts with `viton_hd_` so that this file can be
# inherited beside a VITON experiment config (configs/viton_hd/*.py swap their data with
# `train_dataloader = {{_base_.viton_hd_train_dataloaders.pfafn}}` ...). Images stay uint8 until
# the data preprocessor; the pose maps and region masks are built there (`defer=True`).
#
# Two values are read from the environment when the file is loaded, because several
# entries (pipelines, batch sizes, the teacher's channels, the work dirs) derive from each
# and MMEngine fixes derived values when the file runs (a `--cfg-options img_size=...`
# would change only the variable, not the pipelines):
#   VTONBOX_IMG_SIZE=HxW             the model size, default 512x384 (e.g. 1024x768);
#   VTONBOX_VITON_HD_DENSEPOSE=rgb   `rgb`: the shipped DensePose renderings (teacher
#                                    condition 23 channels); `parts`: part-id PNGs you made
#                                    in image-densepose-parts/ (45 channels, as VITON's).
# See docs/user_guides/train_test.md, "VITON-HD and DressCode".
viton_hd_img_size_text = '{{$VTONBOX_IMG_SIZE:512x384}}'
viton_hd_img_size = tuple(int(side) for side in viton_hd_img_size_text.lower().split('x')
                          if side.isdigit())  # (H, W)
if len(viton_hd_img_size) != 2 or min(viton_hd_img_size) <= 0 or \
        any(side % 32 for side in viton_hd_img_size):
    raise ValueError(f'VTONBOX_IMG_SIZE={viton_hd_img_size_text!r} is not HxW with both sides '
                     'multiples of 32: write e.g. VTONBOX_IMG_SIZE=1024x768')
viton_hd_densepose_format = '{{$VTONBOX_VITON_HD_DENSEPOSE:rgb}}'
if viton_hd_densepose_format not in ('rgb', 'parts'):
    raise ValueError(f'VTONBOX_VITON_HD_DENSEPOSE={viton_hd_densepose_format!r}: write rgb '
                     '(the shipped image-densepose renderings) or parts (image-densepose-parts)')

viton_hd_data_root = 'data/VITON-HD'
viton_hd_flip_prob = 0.0  # the rendering cannot be mirrored (left/right parts differ in colour)
viton_hd_cloth_mask_threshold = 0.5  # value / 255 > 0.5, i.e. VITON-HD's >= 128
viton_hd_pose_radius = 5  # square half-size at 256 px height, scaled with the height
# Teacher condition: 2 preserve masks + DensePose (3-channel rendering or 25-part one-hot)
# + 18 pose channels (labels.DENSEPOSE_INPUT_CHANNELS).
viton_hd_densepose_channels = dict(rgb=3, parts=25)[viton_hd_densepose_format]
viton_hd_teacher_cond_channels = 2 + viton_hd_densepose_channels + 18
# Pixels per image relative to 512 x 384: the per-GPU batch sizes are for 512 x 384 and
# shrink with the pixel count above it (docs/user_guides/train_test.md, "Batch sizes").
viton_hd_pixel_ratio = viton_hd_img_size[0] * viton_hd_img_size[1] / (512 * 384)
viton_hd_batch_sizes = {
    method: max(1, int(batch / max(1.0, viton_hd_pixel_ratio)))
    for method, batch in dict(pfafn=4, fsvton=4, dmvton_warp=8, dmvton_student=6).items()}
viton_hd_num_workers = 4  # per GPU
viton_hd_pin_memory = True

# DensePose loaders and the steps that make the model inputs from them, per format.
viton_hd_densepose_loader = dict(
    rgb=dict(type='LoadDensePoseRendering'), parts=dict(type='LoadDensePose'),
)[viton_hd_densepose_format]
viton_hd_densepose_steps = dict(
    rgb=[dict(type='DensePoseRenderingToInput'),  # densepose_onehot: the rendering, 3 ch.
         dict(type='DensePosePartsFromParsing')],  # densepose ids: arms from the parsing
    parts=[dict(type='DensePoseToOneHot', defer=True)],
)[viton_hd_densepose_format]
# CIHP parsing -> VITON ids, BODY_25 -> OpenPose-18 (the person side of every sample).
viton_hd_person_loaders = [
    dict(type='LoadParsing', num_classes=20),
    dict(type='ConvertParsingLabels', label_set='cihp'),
    dict(type='LoadPoseKeypoints', pose_format='body25'),
    viton_hd_densepose_loader,
]
viton_hd_person_steps = [
    dict(type='ParsingToRegionMasks', defer=True),
    dict(type='GeneratePoseMap', radius=viton_hd_pose_radius, defer=True),
] + viton_hd_densepose_steps

viton_hd_train_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired']),
    dict(type='LoadClothMask', keys=['cloth_mask', 'cloth_mask_unpaired']),
    *viton_hd_person_loaders,
    dict(type='ResizePad', size=viton_hd_img_size),
    dict(type='TryOnRandomFlip', prob=viton_hd_flip_prob),
    dict(type='BinarizeMask', keys=['cloth_mask', 'cloth_mask_unpaired'],
         threshold=viton_hd_cloth_mask_threshold),
    *viton_hd_person_steps,
    dict(type='PackTryOnInputs'),
]
# Parser-free models at test time: person, cloth and its mask only.
viton_hd_test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    dict(type='ResizePad', size=viton_hd_img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=viton_hd_cloth_mask_threshold),
    dict(type='PackTryOnInputs'),
]
# The parser-based teacher also needs parsing, pose and DensePose at test time; the
# VITON-HD test split has them, so stages 1 and 2 get val / test loops too.
viton_hd_teacher_test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    *viton_hd_person_loaders,
    dict(type='ResizePad', size=viton_hd_img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=viton_hd_cloth_mask_threshold),
    *viton_hd_person_steps,
    dict(type='PackTryOnInputs'),
]

# `_delete_`: these replace the VITON dataloaders of the inherited experiment config.
# One training dataloader per method, at that method's per-GPU batch size.
viton_hd_train_dataloaders = {
    method: dict(
        _delete_=True,
        batch_size=batch_size,
        num_workers=viton_hd_num_workers,
        persistent_workers=True,
        pin_memory=viton_hd_pin_memory,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='tryon_collate'),
        dataset=dict(type='VITONHDDataset', data_root=viton_hd_data_root, split='train',
                     mode='auto', densepose_format=viton_hd_densepose_format,
                     pipeline=viton_hd_train_pipeline))
    for method, batch_size in viton_hd_batch_sizes.items()}


def _test_loader(mode, pipeline):
    """A test-split dataloader: `mode='paired'` (each person with their own cloth, the
    ground truth of SSIM / PSNR / LPIPS) or `'unpaired'` (test_pairs.txt, FID / KID)."""
    return dict(
        _delete_=True,
        batch_size=1,
        num_workers=2,
        persistent_workers=False,  # so that `num_workers=0` can be set from the command line
        pin_memory=viton_hd_pin_memory,
        drop_last=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='VITONHDDataset', data_root=viton_hd_data_root, split='test',
                     mode=mode, densepose_format=viton_hd_densepose_format,
                     pipeline=pipeline))


viton_hd_val_dataloader = _test_loader('paired', viton_hd_test_pipeline)
viton_hd_test_dataloader = _test_loader('unpaired', viton_hd_test_pipeline)
viton_hd_teacher_val_dataloader = _test_loader('paired', viton_hd_teacher_test_pipeline)
viton_hd_teacher_test_dataloader = _test_loader('unpaired', viton_hd_teacher_test_pipeline)

# The `viton-hd` evaluation protocol (vtonbox/evaluation/protocols.py): paired SSIM on RGB
# and PSNR as the validation loop, unpaired FID / KID against the test persons. Its LPIPS
# needs the AlexNet weights file, so it is left to `tools/test.py --protocol viton-hd`
# (training runs stay free of that file, as configs/_base_/datasets/viton.py).
viton_hd_val_evaluator = [dict(type='SSIM', variant='rgb'), dict(type='PSNR')]
viton_hd_test_evaluator = [dict(type='FID'), dict(type='KID')]

# Where each stage of the chains writes and its final checkpoint, per size (and DensePose
# variant), so that chains at other sizes never load each other's checkpoints.
viton_hd_run_name = f'viton_hd_{viton_hd_img_size[0]}x{viton_hd_img_size[1]}' + (
    '' if viton_hd_densepose_format == 'rgb' else '_densepose_parts')
viton_hd_env = ''.join(
    f'{name}={value} ' for name, value, default in (
        ('VTONBOX_IMG_SIZE', viton_hd_img_size_text, '512x384'),
        ('VTONBOX_VITON_HD_DENSEPOSE', viton_hd_densepose_format, 'rgb')) if value != default)
viton_hd_stages = {
    stage: dict(work_dir=f'work_dirs/{viton_hd_run_name}/{stage}',
                checkpoint=f'work_dirs/{viton_hd_run_name}/{stage}/epoch_{epochs}.pth',
                made_by=f'{viton_hd_env}python tools/train.py configs/viton_hd/{stage}.py')
    for stage, epochs in dict(pbafn_warp=100, pbafn_tryon=100, pfafn_warp=200, pfafn_student=100,
                              fsvton_teacher_warp=100, fsvton_teacher_tryon=100,
                              fsvton_warp=200, fsvton_student=100, dmvton_warp=100,
                              dmvton_student=100).items()}
