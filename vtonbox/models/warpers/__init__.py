"""Warping models: the flow-cascade heads (AFlowNet, StyleFlowWarper, ClothFlowWarper on
CascadeFlowWarper), TPSWarper, FlowWarpModel, the WarpOutput contract."""
from .aflownet import AFlowNet
from .cascade_flow_warper import CascadeFlowWarper
from .cloth_flow_warper import ClothFlowWarper
from .flow_warp_model import FlowWarpModel
from .outputs import WarpOutput, assemble_warp_output
from .style_flow_warper import StyleFlowWarper
from .tps_warper import TPSWarper

__all__ = ['AFlowNet', 'FlowWarpModel', 'TPSWarper', 'WarpOutput', 'assemble_warp_output',
           'CascadeFlowWarper', 'ClothFlowWarper', 'StyleFlowWarper']
