# DressCode, DM-VTON stage 4 — the mobile student end to end (warp from stage 3), taught by
# the frozen PF-AFN teacher; also the inference config. configs/dmvton_student.py on
# DressCode at 512 x 384 (1024 x 768: VTONBOX_IMG_SIZE=1024x768); teacher condition 45
# channels (DensePose part maps, as VITON); all three categories (VTONBOX_DRESSCODE_CATEGORY
# for one).
#   python tools/train.py configs/dresscode/dmvton_student.py
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../dmvton_student.py', '../_base_/datasets/dresscode.py']

work_dir = {{_base_.dresscode_stages.dmvton_student.work_dir}}
img_size = {{_base_.dresscode_img_size}}
data_root = {{_base_.dresscode_data_root}}
train_pipeline = {{_base_.dresscode_train_pipeline}}
test_pipeline = {{_base_.dresscode_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.dresscode_train_dataloaders.dmvton_student}}
val_dataloader = {{_base_.dresscode_val_dataloader}}
test_dataloader = {{_base_.dresscode_test_dataloader}}
val_evaluator = {{_base_.dresscode_val_evaluator}}
test_evaluator = {{_base_.dresscode_test_evaluator}}

stage3_checkpoint = {{_base_.dresscode_stages.dmvton_warp.checkpoint}}

model = dict(
    teacher=dict(
        tryon=dict(warp_model=dict(cond_channels={{_base_.dresscode_teacher_cond_channels}}),
                   hand_ids={{_base_.dresscode_teacher_densepose_ids.hand_ids}},
                   arm_ids={{_base_.dresscode_teacher_densepose_ids.arm_ids}}),
        checkpoint={{_base_.dresscode_stages.pbafn_tryon.checkpoint}},
        made_by={{_base_.dresscode_stages.pbafn_tryon.made_by}}),
    init_cfg=dict(checkpoint={{_base_.dresscode_stages.dmvton_warp.checkpoint}},
                  made_by={{_base_.dresscode_stages.dmvton_warp.made_by}}))
