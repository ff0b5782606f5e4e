# DressCode, PF-AFN stage 3 — the parser-free student warp, taught by the frozen stage-2
# teacher, initialised from its warp except the condition branch and refine nets.
# configs/pfafn_warp.py on DressCode at 512 x 384 (1024 x 768: VTONBOX_IMG_SIZE=1024x768);
# teacher condition 45 channels (DensePose part maps, as VITON); all three categories
# (VTONBOX_DRESSCODE_CATEGORY for one). Next: configs/dresscode/pfafn_student.py.
#   bash tools/dist_train.sh configs/dresscode/pfafn_warp.py 8
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../pfafn_warp.py', '../_base_/datasets/dresscode.py']

work_dir = {{_base_.dresscode_stages.pfafn_warp.work_dir}}
img_size = {{_base_.dresscode_img_size}}
data_root = {{_base_.dresscode_data_root}}
train_pipeline = {{_base_.dresscode_train_pipeline}}
test_pipeline = {{_base_.dresscode_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.dresscode_train_dataloaders.pfafn}}
val_dataloader = {{_base_.dresscode_val_dataloader}}  # scored by MaskedL1, as on VITON

model = dict(
    teacher=dict(
        tryon=dict(warp_model=dict(cond_channels={{_base_.dresscode_teacher_cond_channels}}),
                   hand_ids={{_base_.dresscode_teacher_densepose_ids.hand_ids}},
                   arm_ids={{_base_.dresscode_teacher_densepose_ids.arm_ids}}),
        checkpoint={{_base_.dresscode_stages.pbafn_tryon.checkpoint}},
        made_by={{_base_.dresscode_stages.pbafn_tryon.made_by}}),
    init_cfg=dict(checkpoint={{_base_.dresscode_stages.pbafn_tryon.checkpoint}},
                  made_by={{_base_.dresscode_stages.pbafn_tryon.made_by}}))
