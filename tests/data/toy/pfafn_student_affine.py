# PF-AFN stage 4 on the synthetic data with the AffineWarper head, initialised from
# pfafn_warp_affine.py (stage 3):
#   PYTHONPATH=tests/data/toy python tools/train.py tests/data/toy/pfafn_student_affine.py
_base_ = ['../../../configs/synthetic/pfafn_student.py']
custom_imports = dict(imports=['vtonbox_toy_warper'], allow_failed_imports=False)
work_dir = 'work_dirs/synthetic/pfafn_student_affine'

model = dict(
    warp_model=dict(warper=dict(_delete_=True, type='AffineWarper', hidden_channels=32)),
    init_cfg=dict(checkpoint='work_dirs/synthetic/pfafn_warp_affine/epoch_4.pth',
                  made_by='python tools/train.py tests/data/toy/pfafn_warp_affine.py'))
