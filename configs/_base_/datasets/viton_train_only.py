# VITON training data without val / test loops, for the stages whose networks need the
# test persons' parsing, pose and DensePose (stages 1, 2 and CP-VTON): the PF-AFN test
# package does not ship them. Evaluate the teacher through the student
# (configs/pfafn_student.py), or point the loops at a test set with all modalities (the
# synthetic twins in configs/synthetic/ do).
_base_ = ['./viton.py']

val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
