# Speed ablation of configs/dmvton_student.py: the mobile student with 128-channel
# MobileNetV2 pyramids instead of 256. The AFlowNet flow head reads the pyramid width
# (the correlation sums over its channels, the refine nets take both pyramids, 2 x C in),
# and the pyramids' shared 3x3 smoothing conv is C -> C at every level, so both get
# narrower; the MobileNetV2 blocks and the U-Net are unchanged. Measured beside the
# 256-channel student and PF-AFN in docs/benchmark.md ("Mobile student"), random weights:
#   python tools/analysis/benchmark.py configs/dmvton_student.py --compare-config \
#       configs/pfafn_student.py configs/dmvton_student_c128.py --channels-last --threads 2
# Not a training recipe as it stands: the feature distillation terms compare the student's
# pyramids with the teacher's 256-channel FPNs, and init_cfg's stage-3 warp is 256 wide.
_base_ = ['./dmvton_student.py']

model = dict(warp_model=dict(backbone=dict(out_channels=128)))
