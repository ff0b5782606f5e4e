# VITON-HD, DM-VTON stage 4 — the mobile student end to end (warp from stage 3), taught by
# the frozen PF-AFN teacher; also the inference config. configs/dmvton_student.py on
# VITON-HD at 512 x 384 (1024 x 768: VTONBOX_IMG_SIZE=1024x768); teacher condition 23
# channels with the shipped DensePose renderings (45 with VTONBOX_VITON_HD_DENSEPOSE=parts).
#   python tools/train.py configs/viton_hd/dmvton_student.py
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../dmvton_student.py', '../_base_/datasets/viton_hd.py']

work_dir = {{_base_.viton_hd_stages.dmvton_student.work_dir}}
img_size = {{_base_.viton_hd_img_size}}
data_root = {{_base_.viton_hd_data_root}}
train_pipeline = {{_base_.viton_hd_train_pipeline}}
test_pipeline = {{_base_.viton_hd_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.viton_hd_train_dataloaders.dmvton_student}}
val_dataloader = {{_base_.viton_hd_val_dataloader}}
test_dataloader = {{_base_.viton_hd_test_dataloader}}
val_evaluator = {{_base_.viton_hd_val_evaluator}}
test_evaluator = {{_base_.viton_hd_test_evaluator}}

stage3_checkpoint = {{_base_.viton_hd_stages.dmvton_warp.checkpoint}}

model = dict(
    teacher=dict(
        tryon=dict(warp_model=dict(cond_channels={{_base_.viton_hd_teacher_cond_channels}})),
        checkpoint={{_base_.viton_hd_stages.pbafn_tryon.checkpoint}},
        made_by={{_base_.viton_hd_stages.pbafn_tryon.made_by}}),
    init_cfg=dict(checkpoint={{_base_.viton_hd_stages.dmvton_warp.checkpoint}},
                  made_by={{_base_.viton_hd_stages.dmvton_warp.made_by}}))
