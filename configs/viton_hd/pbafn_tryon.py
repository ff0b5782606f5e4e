# VITON-HD, PF-AFN stage 2 — parser-based warp + Res-UNet generator end to end (the
# teacher), warp from stage 1. configs/pbafn_tryon.py on VITON-HD at 512 x 384 (1024 x 768:
# VTONBOX_IMG_SIZE=1024x768); teacher condition 23 channels with the shipped DensePose
# renderings (45 with VTONBOX_VITON_HD_DENSEPOSE=parts). Next:
# configs/viton_hd/pfafn_warp.py.
#   bash tools/dist_train.sh configs/viton_hd/pbafn_tryon.py 8
# What differs from 256 x 192 and why: docs/user_guides/train_test.md, "VITON-HD and DressCode".
_base_ = ['../pbafn_tryon.py', '../_base_/datasets/viton_hd.py']

work_dir = {{_base_.viton_hd_stages.pbafn_tryon.work_dir}}
img_size = {{_base_.viton_hd_img_size}}
data_root = {{_base_.viton_hd_data_root}}
train_pipeline = {{_base_.viton_hd_train_pipeline}}
test_pipeline = {{_base_.viton_hd_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.viton_hd_train_dataloaders.pfafn}}
# The test split has the parsing, pose and DensePose the teacher reads: paired
# and unpaired loops (VITON's stage-2 config has none).
val_dataloader = {{_base_.viton_hd_teacher_val_dataloader}}
test_dataloader = {{_base_.viton_hd_teacher_test_dataloader}}
val_cfg = dict(_delete_=True, type='ValLoop')
test_cfg = dict(_delete_=True, type='TestLoop')
val_evaluator = {{_base_.viton_hd_val_evaluator}}
test_evaluator = {{_base_.viton_hd_test_evaluator}}

stage1_checkpoint = {{_base_.viton_hd_stages.pbafn_warp.checkpoint}}

model = dict(
    warp_model=dict(cond_channels={{_base_.viton_hd_teacher_cond_channels}}),
    init_cfg=dict(checkpoint={{_base_.viton_hd_stages.pbafn_warp.checkpoint}},
                  made_by={{_base_.viton_hd_stages.pbafn_warp.made_by}}))
