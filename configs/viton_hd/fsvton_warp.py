# VITON-HD, FS-VTON stage 3 — the parser-free style-flow student warp, taught by the frozen
# stage-2 teacher, initialised from its warp except the condition branch and refine nets.
# configs/fsvton_warp.py on VITON-HD at 512 x 384 (1024 x 768: VTONBOX_IMG_SIZE=1024x768);
# teacher condition 23 channels with the shipped DensePose renderings (45 with
# VTONBOX_VITON_HD_DENSEPOSE=parts). Next: configs/viton_hd/fsvton_student.py.
#   python tools/train.py configs/viton_hd/fsvton_warp.py
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../fsvton_warp.py', '../_base_/datasets/viton_hd.py']

work_dir = {{_base_.viton_hd_stages.fsvton_warp.work_dir}}
img_size = {{_base_.viton_hd_img_size}}
data_root = {{_base_.viton_hd_data_root}}
train_pipeline = {{_base_.viton_hd_train_pipeline}}
test_pipeline = {{_base_.viton_hd_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.viton_hd_train_dataloaders.fsvton}}
val_dataloader = {{_base_.viton_hd_val_dataloader}}  # scored by MaskedL1, as on VITON

model = dict(
    teacher=dict(
        tryon=dict(warp_model=dict(cond_channels={{_base_.viton_hd_teacher_cond_channels}})),
        checkpoint={{_base_.viton_hd_stages.fsvton_teacher_tryon.checkpoint}},
        made_by={{_base_.viton_hd_stages.fsvton_teacher_tryon.made_by}}),
    init_cfg=dict(checkpoint={{_base_.viton_hd_stages.fsvton_teacher_tryon.checkpoint}},
                  made_by={{_base_.viton_hd_stages.fsvton_teacher_tryon.made_by}}))
