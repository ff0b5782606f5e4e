# DressCode, FS-VTON stage 2 — parser-based style-flow warp + Res-UNet generator end to end
# (the teacher), warp from stage 1. configs/fsvton_teacher_tryon.py on DressCode at 512 x
# 384 (1024 x 768: VTONBOX_IMG_SIZE=1024x768); teacher condition 45 channels (DensePose part
# maps, as VITON); all three categories (VTONBOX_DRESSCODE_CATEGORY for one). Next:
# configs/dresscode/fsvton_warp.py.
#   python tools/train.py configs/dresscode/fsvton_teacher_tryon.py
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../fsvton_teacher_tryon.py', '../_base_/datasets/dresscode.py']

work_dir = {{_base_.dresscode_stages.fsvton_teacher_tryon.work_dir}}
img_size = {{_base_.dresscode_img_size}}
data_root = {{_base_.dresscode_data_root}}
train_pipeline = {{_base_.dresscode_train_pipeline}}
test_pipeline = {{_base_.dresscode_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.dresscode_train_dataloaders.fsvton}}
# The test split has the parsing, pose and DensePose the teacher reads: paired
# and unpaired loops (VITON's stage-2 config has none).
val_dataloader = {{_base_.dresscode_teacher_val_dataloader}}
test_dataloader = {{_base_.dresscode_teacher_test_dataloader}}
val_cfg = dict(_delete_=True, type='ValLoop')
test_cfg = dict(_delete_=True, type='TestLoop')
val_evaluator = {{_base_.dresscode_val_evaluator}}
test_evaluator = {{_base_.dresscode_test_evaluator}}

stage1_checkpoint = {{_base_.dresscode_stages.fsvton_teacher_warp.checkpoint}}

model = dict(
    warp_model=dict(cond_channels={{_base_.dresscode_teacher_cond_channels}}),
    hand_ids={{_base_.dresscode_teacher_densepose_ids.hand_ids}},
    arm_ids={{_base_.dresscode_teacher_densepose_ids.arm_ids}},
    init_cfg=dict(checkpoint={{_base_.dresscode_stages.fsvton_teacher_warp.checkpoint}},
                  made_by={{_base_.dresscode_stages.fsvton_teacher_warp.made_by}}))
