# Synthetic VITON at 128 x 96 as a plain dataset base (the usual variable names); the
# definitions live in synthetic_viton_parts.py. Generate the data with:
#   python tools/dataset/make_synthetic.py data/synthetic --num-train 256 --num-test 32 \
#       --height 128 --width 96
_base_ = ['./synthetic_viton_parts.py']

data_root = {{_base_.synthetic_data_root}}
img_size = {{_base_.synthetic_img_size}}
train_pipeline = {{_base_.synthetic_train_pipeline}}
test_pipeline = {{_base_.synthetic_test_pipeline}}
train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
