# Synthetic DressCode (tools/dataset/make_synthetic.py --layout dresscode, garment masks
# included) for the CPU twins in configs/dresscode/synthetic/: the pipelines of
# dresscode.py (same size and categories: 512 x 384 and all three unless VTONBOX_IMG_SIZE /
# VTONBOX_DRESSCODE_CATEGORY say otherwise) on data/synthetic_dresscode, small batches, no
# worker processes kept alive. Generate the data with (counts per category):
#   python tools/dataset/make_synthetic.py data/synthetic_dresscode --layout dresscode \
#       --num-train 32 --num-test 8
_base_ = ['./dresscode.py']

synthetic_dresscode_data_root = 'data/synthetic_dresscode'

synthetic_dresscode_train_dataloader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='tryon_collate'),
    dataset=dict(type='DressCodeDataset', data_root=synthetic_dresscode_data_root,
                 category={{_base_.dresscode_category}}, split='train', mode='auto',
                 pipeline={{_base_.dresscode_train_pipeline}}))
# Paired (test_pairs_paired.txt: SSIM / PSNR / LPIPS) and unpaired (test_pairs_unpaired.txt:
# FID / KID) test loaders, for the parser-free models and, with parsing, pose and
# DensePose, for the parser-based teacher.
synthetic_dresscode_test_loader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'))
synthetic_dresscode_test_dataset = dict(
    type='DressCodeDataset', data_root=synthetic_dresscode_data_root,
    category={{_base_.dresscode_category}}, split='test')
synthetic_dresscode_val_dataloader = dict(
    synthetic_dresscode_test_loader,
    dataset=dict(synthetic_dresscode_test_dataset, mode='paired',
                 pipeline={{_base_.dresscode_test_pipeline}}))
synthetic_dresscode_test_dataloader = dict(
    synthetic_dresscode_test_loader,
    dataset=dict(synthetic_dresscode_test_dataset, mode='unpaired',
                 pipeline={{_base_.dresscode_test_pipeline}}))
synthetic_dresscode_teacher_val_dataloader = dict(
    synthetic_dresscode_test_loader,
    dataset=dict(synthetic_dresscode_test_dataset, mode='paired',
                 pipeline={{_base_.dresscode_teacher_test_pipeline}}))
synthetic_dresscode_teacher_test_dataloader = dict(
    synthetic_dresscode_test_loader,
    dataset=dict(synthetic_dresscode_test_dataset, mode='unpaired',
                 pipeline={{_base_.dresscode_teacher_test_pipeline}}))
# 8 test images per category: KID on 10 subsets of 8 (the full configs use the standard
# 1000).
synthetic_dresscode_test_evaluator = [dict(type='FID'),
                                      dict(type='KID', num_subsets=10, subset_size=8)]
