# DressCode, PF-AFN stage 1 — the parser-based warp (the teacher's AFWM), from scratch.
# configs/pbafn_warp.py on DressCode at 512 x 384 (1024 x 768: VTONBOX_IMG_SIZE=1024x768);
# teacher condition 45 channels (DensePose part maps, as VITON); all three categories
# (VTONBOX_DRESSCODE_CATEGORY for one). Next: configs/dresscode/pbafn_tryon.py.
#   bash tools/dist_train.sh configs/dresscode/pbafn_warp.py 8
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../pbafn_warp.py', '../_base_/datasets/dresscode.py']

work_dir = {{_base_.dresscode_stages.pbafn_warp.work_dir}}
img_size = {{_base_.dresscode_img_size}}
data_root = {{_base_.dresscode_data_root}}
train_pipeline = {{_base_.dresscode_train_pipeline}}
test_pipeline = {{_base_.dresscode_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.dresscode_train_dataloaders.pfafn}}
# The test split has the parsing, pose and DensePose the teacher reads: validate
# the warped cloth against the photo (VITON's stage-1 config has no loops).
val_dataloader = {{_base_.dresscode_teacher_val_dataloader}}
val_cfg = dict(_delete_=True, type='ValLoop')
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]

model = dict(
    warp_model=dict(cond_channels={{_base_.dresscode_teacher_cond_channels}}))
