# ClothFlow-style ablation head (`ClothFlowWarper`, docs/advanced_guides/style_flow.md):
# per level one offset from the refine net on the pre-warped cloth and condition
# features; no style vector, no correlation. Trained with the FS-VTON stages:
# configs/synthetic/clothflow_*.py inherit configs/fsvton_*.py and put these heads in
# place of the style head (`_delete_`: the StyleFlowWarper arguments do not apply). A
# VITON run is the same swap in an FS-VTON config, with `clothflow_warper`, in
# model.warp_model.warper and (stages 3, 4) model.teacher.tryon.warp_model.warper.
_base_ = ['./tiny_cpu.py']  # the narrow widths of the CPU twins

clothflow_warper = dict(_delete_=True, type='ClothFlowWarper', num_levels=5,
                        refine_channels=[128, 64, 32], negative_slope=0.1)
# Narrow networks of the CPU twins (the encoder, FPN and refine widths of tiny_cpu.py).
tiny_clothflow_warp_model = dict(
    encoder={{_base_.tiny_style_warp_model.encoder}},
    fpn={{_base_.tiny_style_warp_model.fpn}},
    warper=dict(clothflow_warper,
                refine_channels={{_base_.tiny_style_warp_model.warper.refine_channels}}))
tiny_clothflow_teacher_tryon = dict(warp_model=tiny_clothflow_warp_model,
                                    generator={{_base_.tiny_generator}})
