# VITON-HD, PF-AFN stage 1 — the parser-based warp (the teacher's AFWM), from scratch.
# configs/pbafn_warp.py on VITON-HD at 512 x 384 (1024 x 768: VTONBOX_IMG_SIZE=1024x768);
# teacher condition 23 channels with the shipped DensePose renderings (45 with
# VTONBOX_VITON_HD_DENSEPOSE=parts). Next: configs/viton_hd/pbafn_tryon.py.
#   bash tools/dist_train.sh configs/viton_hd/pbafn_warp.py 8
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../pbafn_warp.py', '../_base_/datasets/viton_hd.py']

work_dir = {{_base_.viton_hd_stages.pbafn_warp.work_dir}}
img_size = {{_base_.viton_hd_img_size}}
data_root = {{_base_.viton_hd_data_root}}
train_pipeline = {{_base_.viton_hd_train_pipeline}}
test_pipeline = {{_base_.viton_hd_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.viton_hd_train_dataloaders.pfafn}}
# The test split has the parsing, pose and DensePose the teacher reads: validate
# the warped cloth against the photo (VITON's stage-1 config has no loops).
val_dataloader = {{_base_.viton_hd_teacher_val_dataloader}}
val_cfg = dict(_delete_=True, type='ValLoop')
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]

model = dict(
    warp_model=dict(cond_channels={{_base_.viton_hd_teacher_cond_channels}}))
