# DressCode (1024 x 768 photos; upper body, lower body, dresses; docs/user_guides/
# dataset_prepare.md, section 4) at 512 x 384 by default, all three categories. Every
# name starts with `dresscode_` so that this file can be inherited beside a VITON
# experiment config (configs/dresscode/*.py swap their data with
# `train_dataloader = {{_base_.dresscode_train_dataloaders.pfafn}}` ...). The garment masks are
# not shipped: make them once with `python tools/dataset/make_cloth_masks.py data/DressCode`.
#
# Two values are read from the environment when the file is loaded, because several
# entries derive from each and MMEngine fixes derived values when the file runs (a
# `--cfg-options img_size=...` would change only the variable, not the pipelines):
#   VTONBOX_IMG_SIZE=HxW                 the model size, default 512x384 (e.g. 1024x768);
#   VTONBOX_DRESSCODE_CATEGORY=all       all | upper_body | lower_body | dresses: the data,
#                                        the teacher's DensePose regions and the work dirs.
# See docs/user_guides/train_test.md, "VITON-HD and DressCode".
dresscode_img_size_text = '{{$VTONBOX_IMG_SIZE:512x384}}'
dresscode_img_size = tuple(int(side) for side in dresscode_img_size_text.lower().split('x')
                           if side.isdigit())  # (H, W)
if len(dresscode_img_size) != 2 or min(dresscode_img_size) <= 0 or \
        any(side % 32 for side in dresscode_img_size):
    raise ValueError(f'VTONBOX_IMG_SIZE={dresscode_img_size_text!r} is not HxW with both sides '
                     'multiples of 32: write e.g. VTONBOX_IMG_SIZE=1024x768')
dresscode_category = '{{$VTONBOX_DRESSCODE_CATEGORY:all}}'
# DensePose part ids of the teacher's generator per category (labels.TEACHER_DENSEPOSE_IDS):
# hands are kept; `arm_ids` is the skin it repaints around the garment: arms for tops,
# legs for bottoms, both for dresses. `all` mixes the categories in one model, which has
# one set of ids: it uses the dresses set (arms and legs), an approximation (a top's
# training sample then lets the generator repaint the legs too, where the photo is kept).
dresscode_teacher_densepose_ids_by_category = dict(
    upper_body=dict(hand_ids=(3, 4), arm_ids=(15, 16, 17, 18, 19, 20, 21, 22)),
    lower_body=dict(hand_ids=(3, 4), arm_ids=(7, 8, 9, 10, 11, 12, 13, 14)),
    dresses=dict(hand_ids=(3, 4),
                 arm_ids=(7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22)))
if dresscode_category not in ('all', *dresscode_teacher_densepose_ids_by_category):
    raise ValueError(f'VTONBOX_DRESSCODE_CATEGORY={dresscode_category!r}: write all, '
                     'upper_body, lower_body or dresses')
dresscode_teacher_densepose_ids = dresscode_teacher_densepose_ids_by_category[
    'dresses' if dresscode_category == 'all' else dresscode_category]

dresscode_data_root = 'data/DressCode'
dresscode_flip_prob = 0.0  # as VITON (upstream PF-AFN hard-disables flipping)
dresscode_cloth_mask_threshold = 0.5
dresscode_pose_radius = 5  # square half-size at 256 px height, scaled with the height
# Teacher condition: 2 preserve masks + 25-part DensePose one-hot + 18 pose, as VITON.
dresscode_teacher_cond_channels = 45
# Pixels per image relative to 512 x 384: the per-GPU batch sizes are for 512 x 384 and
# shrink with the pixel count above it (docs/user_guides/train_test.md, "Batch sizes").
dresscode_pixel_ratio = dresscode_img_size[0] * dresscode_img_size[1] / (512 * 384)
dresscode_batch_sizes = {
    method: max(1, int(batch / max(1.0, dresscode_pixel_ratio)))
    for method, batch in dict(pfafn=4, fsvton=4, dmvton_warp=8, dmvton_student=6).items()}
dresscode_num_workers = 4  # per GPU
dresscode_pin_memory = True

# ATR parsing -> VITON ids (the try-on garment by each item's category), the 18 keypoints
# of the 384 x 512 frame -> person pixels, DensePose part PNGs.
dresscode_person_loaders = [
    dict(type='LoadParsing', num_classes=18),
    dict(type='ConvertParsingLabels', label_set='atr'),
    dict(type='LoadPoseKeypoints', pose_format='dresscode'),
    dict(type='LoadDensePose'),
]
dresscode_person_steps = [
    dict(type='ParsingToRegionMasks', defer=True),
    dict(type='GeneratePoseMap', radius=dresscode_pose_radius, defer=True),
    dict(type='DensePoseToOneHot', defer=True),
]

dresscode_train_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired']),
    dict(type='LoadClothMask', keys=['cloth_mask', 'cloth_mask_unpaired']),
    *dresscode_person_loaders,
    dict(type='ResizePad', size=dresscode_img_size),
    dict(type='TryOnRandomFlip', prob=dresscode_flip_prob),
    dict(type='BinarizeMask', keys=['cloth_mask', 'cloth_mask_unpaired'],
         threshold=dresscode_cloth_mask_threshold),
    *dresscode_person_steps,
    dict(type='PackTryOnInputs'),
]
# Parser-free models at test time: person, garment and its mask only.
dresscode_test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    dict(type='ResizePad', size=dresscode_img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=dresscode_cloth_mask_threshold),
    dict(type='PackTryOnInputs'),
]
# The parser-based teacher also needs parsing, pose and DensePose at test time; the
# DressCode test pairs have them, so stages 1 and 2 get val / test loops too.
dresscode_teacher_test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    *dresscode_person_loaders,
    dict(type='ResizePad', size=dresscode_img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=dresscode_cloth_mask_threshold),
    *dresscode_person_steps,
    dict(type='PackTryOnInputs'),
]

# `_delete_`: these replace the VITON dataloaders of the inherited experiment config.
# One training dataloader per method, at that method's per-GPU batch size. With
# category='all' the unpaired garment of a training sample is drawn from its own category.
dresscode_train_dataloaders = {
    method: dict(
        _delete_=True,
        batch_size=batch_size,
        num_workers=dresscode_num_workers,
        persistent_workers=True,
        pin_memory=dresscode_pin_memory,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='tryon_collate'),
        dataset=dict(type='DressCodeDataset', data_root=dresscode_data_root,
                     category=dresscode_category, split='train', mode='auto',
                     pipeline=dresscode_train_pipeline))
    for method, batch_size in dresscode_batch_sizes.items()}


def _test_loader(mode, pipeline):
    """A test dataloader: `mode='paired'` (test_pairs_paired.txt, the ground truth of
    SSIM / PSNR / LPIPS) or `'unpaired'` (test_pairs_unpaired.txt, FID / KID)."""
    return dict(
        _delete_=True,
        batch_size=1,
        num_workers=2,
        persistent_workers=False,  # so that `num_workers=0` can be set from the command line
        pin_memory=dresscode_pin_memory,
        drop_last=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='DressCodeDataset', data_root=dresscode_data_root,
                     category=dresscode_category, split='test', mode=mode,
                     pipeline=pipeline))


dresscode_val_dataloader = _test_loader('paired', dresscode_test_pipeline)
dresscode_test_dataloader = _test_loader('unpaired', dresscode_test_pipeline)
dresscode_teacher_val_dataloader = _test_loader('paired', dresscode_teacher_test_pipeline)
dresscode_teacher_test_dataloader = _test_loader('unpaired', dresscode_teacher_test_pipeline)

# The `dresscode` evaluation protocol (vtonbox/evaluation/protocols.py): paired SSIM on RGB
# and PSNR as the validation loop, unpaired FID / KID against the test persons of the
# evaluated categories. Its LPIPS needs the AlexNet weights file, so it is left to
# `tools/test.py --protocol dresscode` (training runs stay free of that file).
dresscode_val_evaluator = [dict(type='SSIM', variant='rgb'), dict(type='PSNR')]
dresscode_test_evaluator = [dict(type='FID'), dict(type='KID')]

# Where each stage of the chains writes and its final checkpoint, per category and size,
# so that chains of other categories or sizes never load each other's checkpoints.
dresscode_run_name = (f'dresscode_{dresscode_category}_'
                      f'{dresscode_img_size[0]}x{dresscode_img_size[1]}')
dresscode_env = ''.join(
    f'{name}={value} ' for name, value, default in (
        ('VTONBOX_IMG_SIZE', dresscode_img_size_text, '512x384'),
        ('VTONBOX_DRESSCODE_CATEGORY', dresscode_category, 'all')) if value != default)
dresscode_stages = {
    stage: dict(work_dir=f'work_dirs/{dresscode_run_name}/{stage}',
                checkpoint=f'work_dirs/{dresscode_run_name}/{stage}/epoch_{epochs}.pth',
                made_by=f'{dresscode_env}python tools/train.py configs/dresscode/{stage}.py')
    for stage, epochs in dict(pbafn_warp=100, pbafn_tryon=100, pfafn_warp=200, pfafn_student=100,
                              fsvton_teacher_warp=100, fsvton_teacher_tryon=100,
                              fsvton_warp=200, fsvton_student=100, dmvton_warp=100,
                              dmvton_student=100).items()}
