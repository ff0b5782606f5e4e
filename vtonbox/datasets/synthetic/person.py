"""Synthetic person: body layout, OpenPose-18 keypoints, and the layered rendering.

Every shape is drawn with the same cv2 call into the RGB image, the parsing map and the
DensePose map, so the three always agree pixel for pixel. Layers, back to front:
background, long hair, legs, bottoms (pants / shorts / skirt), neck, arms at the sides,
the worn garment (a TPS warp of the product cloth), arms crossing in front, head.
Left/right are the person's sides (person's right = image left, ``side = -1``).
"""
from typing import NamedTuple, Optional, Tuple

import cv2
import numpy as np

from ..labels import NUM_KEYPOINTS, PARSING_IDS
from .garment import (
    REF_W,
    SHIFT,
    SHIFT_SCALE,
    ClothShape,
    Frame,
    fixed,
    point,
    random_colour,
)

SIDES = (-1, 1)  # person's right (image left), person's left (image right)
ARM_POSES = ('down', 'akimbo', 'front')
ARM_POSE_PROBS = (0.55, 0.2, 0.25)
BOTTOMS = ('pants', 'shorts', 'skirt')
BOTTOM_PROBS = (0.45, 0.2, 0.35)
LONG_HAIR_PROB = 0.5
SKIN_TONES = ((236, 200, 173), (224, 172, 138), (198, 134, 96), (141, 85, 54), (92, 58, 40),
              (250, 214, 190))
HAIR_COLOURS = ((20, 16, 14), (60, 38, 24), (110, 72, 40), (200, 160, 90), (130, 50, 25))
KEYPOINT_CONFIDENCE = 0.9
KEYPOINT_MARGIN = 2  # keypoints closer than this to the border count as not detected
# Parsing ids (VITON 14-class set) and DensePose part ids per side (-1 right, +1 left).
ARM_LABEL = {-1: PARSING_IDS['right_arm'], 1: PARSING_IDS['left_arm']}
LEG_LABEL = {-1: PARSING_IDS['right_leg'], 1: PARSING_IDS['left_leg']}
DP_UPPER_ARM = {-1: 16, 1: 15}
DP_LOWER_ARM = {-1: 20, 1: 19}
DP_HAND = {-1: 3, 1: 4}
DP_UPPER_LEG = {-1: 9, 1: 10}
DP_LOWER_LEG = {-1: 13, 1: 14}
DP_TORSO = 2
DP_HEAD = {-1: 23, 1: 24}


class Arm(NamedTuple):
    """Joints in reference coordinates and drawing sizes (reference units)."""
    shoulder: np.ndarray
    elbow: np.ndarray
    wrist: np.ndarray
    hand: np.ndarray
    upper_angle: float
    in_front: bool


class Body(NamedTuple):
    """Random body layout in the 192 x 256 reference frame."""
    cx: float
    head: Tuple[float, float, float, float]  # centre x, centre y, radius x, radius y
    neck_hw: float
    y_neck: float
    y_sh: float
    shoulder_hw: float
    y_hip: float
    hip_hw: float
    knees: np.ndarray   # (2, 2) right, left
    ankles: np.ndarray  # (2, 2)
    arms: Tuple[Arm, Arm]  # right, left
    arm_width: float
    hand_radius: float
    bottom: str
    long_hair: bool


def _arm(rng: np.random.Generator, side: int, shoulder: np.ndarray, pose: str) -> Arm:
    upper_len, fore_len = rng.uniform(46, 54), rng.uniform(42, 50)
    if pose == 'down':
        a1 = rng.uniform(6, 25)
        a2 = a1 + rng.uniform(-12, 10)
    elif pose == 'akimbo':
        a1, a2 = rng.uniform(32, 48), rng.uniform(-70, -40)
    else:
        a1, a2 = rng.uniform(3, 12), rng.uniform(-100, -65)
    a1, a2 = np.deg2rad(a1), np.deg2rad(a2)
    elbow = shoulder + upper_len * np.array([side * np.sin(a1), np.cos(a1)])
    fore_dir = np.array([side * np.sin(a2), np.cos(a2)])
    wrist = elbow + fore_len * fore_dir
    return Arm(shoulder, elbow, wrist, wrist + 5.0 * fore_dir, float(a1), pose == 'front')


def random_body(rng: np.random.Generator) -> Body:
    """Draw a random body layout (all lengths in reference units)."""
    cx = REF_W / 2 + rng.uniform(-6, 6)
    head = (cx + rng.uniform(-2, 2), rng.uniform(38, 46), rng.uniform(15, 18), rng.uniform(19, 22))
    y_neck = head[1] + head[3] + rng.uniform(10, 14)
    y_sh = y_neck + rng.uniform(4, 8)
    shoulder_hw = rng.uniform(32, 38)
    y_hip, hip_hw = rng.uniform(160, 172), rng.uniform(23, 28)
    y_knee = y_hip + rng.uniform(58, 66)
    knees = np.array([[cx + s * (hip_hw * 0.6 + rng.uniform(-2, 4)), y_knee] for s in SIDES])
    ankles = np.array([[k[0] + s * rng.uniform(0, 3), k[1] + rng.uniform(56, 62)]
                       for s, k in zip(SIDES, knees)])
    poses = [ARM_POSES[rng.choice(len(ARM_POSES), p=ARM_POSE_PROBS)] for _ in SIDES]
    if poses == ['front', 'front']:
        poses[int(rng.integers(2))] = 'down'
    arms = tuple(_arm(rng, s, np.array([cx + s * shoulder_hw, y_sh]), p)
                 for s, p in zip(SIDES, poses))
    bottom = BOTTOMS[rng.choice(len(BOTTOMS), p=BOTTOM_PROBS)]
    return Body(cx, head, rng.uniform(7, 9), y_neck, y_sh, shoulder_hw, y_hip, hip_hw, knees,
                ankles, arms, rng.uniform(12, 15), rng.uniform(5.5, 7), bottom,
                bool(rng.random() < LONG_HAIR_PROB))



def body_keypoints(body: Body, frame: Frame) -> np.ndarray:
    """OpenPose-18 keypoints (18, 3) in output pixels; off-frame ones are (0, 0, 0)."""
    hx, hy, hrx, hry = body.head
    right, left = body.arms
    ref = [
        (hx, hy + 0.2 * hry), (body.cx, body.y_sh),
        right.shoulder, right.elbow, right.wrist, left.shoulder, left.elbow, left.wrist,
        (body.cx - 0.6 * body.hip_hw, body.y_hip), body.knees[0], body.ankles[0],
        (body.cx + 0.6 * body.hip_hw, body.y_hip), body.knees[1], body.ankles[1],
        (hx - 0.35 * hrx, hy - 0.05 * hry), (hx + 0.35 * hrx, hy - 0.05 * hry),
        (hx - 0.7 * hrx, hy + 0.05 * hry), (hx + 0.7 * hrx, hy + 0.05 * hry)]
    xy = frame.pts(ref)
    inside = ((xy[:, 0] >= KEYPOINT_MARGIN) & (xy[:, 0] <= frame.width - 1 - KEYPOINT_MARGIN)
              & (xy[:, 1] >= KEYPOINT_MARGIN) & (xy[:, 1] <= frame.height - 1 - KEYPOINT_MARGIN))
    keypoints = np.zeros((NUM_KEYPOINTS, 3), dtype=np.float32)
    keypoints[inside, :2] = xy[inside]
    keypoints[inside, 2] = KEYPOINT_CONFIDENCE
    return keypoints


def garment_targets(rng: np.random.Generator, body: Body, shape: ClothShape,
                    frame: Frame) -> Tuple[np.ndarray, np.ndarray, float]:
    """Control points: where each product-cloth key point lands on the person.

    Returns:
        tuple: person points (N, 2) px, cloth points (N, 2) px, hem y (reference).
    """
    cx, t = body.cx, body.arm_width
    y_hem = body.y_hip + rng.uniform(-6, 14)
    depth = (shape.neck[1, 1] - shape.neck[0, 1]) / frame.sy
    person = [[cx - body.neck_hw - 3, body.y_neck - 1], [cx, body.y_neck - 1 + 0.7 * depth],
              [cx + body.neck_hw + 3, body.y_neck - 1]]
    person += [[cx + s * (body.shoulder_hw + 2), body.y_sh - t / 2 - 1] for s in SIDES]
    outer, inner = [], []
    for s, arm in zip(SIDES, body.arms):
        upper = arm.elbow - arm.shoulder
        frac = float(np.clip(shape.sleeve_length / np.linalg.norm(upper) * 1.1, 0.2, 0.75))
        centre = arm.shoulder + frac * upper
        out_dir = np.array([s * np.cos(arm.upper_angle), -np.sin(arm.upper_angle)])
        outer.append(centre + (t / 2 + 2) * out_dir)
        inner.append(centre - (t / 2 + 2) * out_dir)
    y_armpit = body.y_sh + t + 8
    person += outer + inner
    person += [[cx + s * (body.shoulder_hw - t / 2 - 2), y_armpit] for s in SIDES]
    person += [[cx + s * (body.hip_hw + 3), (y_armpit + y_hem) / 2] for s in SIDES]
    person += [[cx - body.hip_hw - 5, y_hem], [cx, y_hem + rng.uniform(-1, 2)],
               [cx + body.hip_hw + 5, y_hem], [cx, (body.y_sh + y_hem) / 2]]
    person = np.array(person, dtype=np.float64)
    # A smooth random bend: small rotation about the torso centre plus jitter.
    centre = np.array([cx, (body.y_sh + y_hem) / 2])
    angle = np.deg2rad(rng.uniform(-3, 3))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    person = (person - centre) @ rot.T + centre + rng.normal(0, 1.2, person.shape)
    cloth = np.concatenate([shape.neck, shape.shoulders, shape.sleeve_out, shape.sleeve_in,
                            shape.armpits, shape.waist, shape.hem, shape.centre], 0)
    return frame.pts(person), cloth, float(y_hem)


class Canvas:
    """The three aligned layers of a synthetic person: RGB, parsing ids, DensePose ids."""

    def __init__(self, frame: Frame, background: np.ndarray):
        self.frame = frame
        self.image = background
        self.parsing = np.zeros((frame.height, frame.width), dtype=np.uint8)
        self.densepose = np.zeros_like(self.parsing)

    def _layers(self, colour, label: Optional[int], part: Optional[int]):
        out = []
        if colour is not None:
            out.append((self.image, tuple(float(c) for c in colour)))
        if label is not None:
            out.append((self.parsing, int(label)))
        if part is not None:
            out.append((self.densepose, int(part)))
        return out

    def polygon(self, ref_points, colour, label=None, part=None) -> None:
        pts = [fixed(self.frame.pts(ref_points))]
        for layer, value in self._layers(colour, label, part):
            cv2.fillPoly(layer, pts, value, cv2.LINE_8, SHIFT)

    def ellipse(self, centre, axes, colour, label=None, part=None) -> None:
        c = point(self.frame.pts(centre)[0])
        ax = (int(round(axes[0] * self.frame.sx * SHIFT_SCALE)),
              int(round(axes[1] * self.frame.sy * SHIFT_SCALE)))
        for layer, value in self._layers(colour, label, part):
            cv2.ellipse(layer, c, ax, 0, 0, 360, value, -1, cv2.LINE_8, SHIFT)

    def capsule(self, p0, p1, r0, r1, colour, label=None, part=None) -> None:
        """A limb segment: trapezoid with round ends of radii r0, r1 (reference units)."""
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        d = p1 - p0
        n = np.array([-d[1], d[0]]) / max(np.linalg.norm(d), 1e-6)
        self.polygon([p0 + r0 * n, p1 + r1 * n, p1 - r1 * n, p0 - r0 * n], colour, label, part)
        self.ellipse(p0, (r0, r0), colour, label, part)
        self.ellipse(p1, (r1, r1), colour, label, part)


def _draw_arm(canvas: Canvas, body: Body, side: int, arm: Arm, skin) -> None:
    half = body.arm_width / 2
    label = ARM_LABEL[side]
    canvas.capsule(arm.shoulder, arm.elbow, half, half * 0.9, skin, label, DP_UPPER_ARM[side])
    canvas.capsule(arm.elbow, arm.wrist, half * 0.9, half * 0.7, skin, label, DP_LOWER_ARM[side])
    r = body.hand_radius
    canvas.ellipse(arm.hand, (r, r * 1.2), skin, label, DP_HAND[side])


def _draw_legs_and_bottoms(rng, canvas: Canvas, body: Body, skin) -> None:
    pants_id = PARSING_IDS['pants']
    for i, s in enumerate(SIDES):
        hip = np.array([body.cx + s * body.hip_hw * 0.6, body.y_hip])
        canvas.capsule(hip, body.knees[i], 15, 10, skin, LEG_LABEL[s], DP_UPPER_LEG[s])
        canvas.capsule(body.knees[i], body.ankles[i], 10, 7, skin, LEG_LABEL[s], DP_LOWER_LEG[s])
    colour = random_colour(rng, sat=(0.1, 0.7), val=(0.15, 0.7))
    cx, y_hip, hw = body.cx, body.y_hip, body.hip_hw
    waist = [[cx - hw - 3, y_hip - 16], [cx + hw + 3, y_hip - 16], [cx + hw + 3, y_hip + 8],
             [cx - hw - 3, y_hip + 8]]
    if body.bottom == 'skirt':
        length, flare = rng.uniform(40, 70), rng.uniform(12, 24)
        canvas.polygon([[cx - hw - 3, y_hip - 16], [cx + hw + 3, y_hip - 16],
                        [cx + hw + flare, y_hip + length], [cx - hw - flare, y_hip + length]],
                       colour, pants_id)
        return
    canvas.polygon(waist, colour, pants_id)
    for i, s in enumerate(SIDES):
        hip = np.array([cx + s * hw * 0.6, y_hip])
        if body.bottom == 'pants':
            canvas.capsule(hip, body.knees[i], 17, 12, colour, pants_id)
            canvas.capsule(body.knees[i], body.ankles[i], 12, 9, colour, pants_id)
        else:
            mid = hip + rng.uniform(0.35, 0.6) * (body.knees[i] - hip)
            canvas.capsule(hip, mid, 17, 15, colour, pants_id)


def _fold_shading(rng, frame: Frame) -> np.ndarray:
    """(H, W, 1) soft vertical fold shading in [1 - amp, 1]."""
    xs = np.arange(frame.width, dtype=np.float32)
    period = rng.uniform(18, 40) * frame.s
    amp = rng.uniform(0.0, 0.12)
    folds = 1.0 - amp * (0.5 + 0.5 * np.sin(2 * np.pi * xs / period + rng.uniform(0, 6.3))) ** 2
    return np.broadcast_to(folds[None, :, None], (frame.height, frame.width, 1))


def render_person(rng: np.random.Generator, body: Body, worn: np.ndarray, worn_mask: np.ndarray,
                  frame: Frame) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Render the person wearing the warped garment ``worn`` (where ``worn_mask``).

    Returns:
        tuple: image (H, W, 3) uint8 RGB, parsing (H, W) uint8, DensePose (H, W) uint8,
        visible garment mask (H, W) bool (equal to ``parsing == 4``).
    """
    top = random_colour(rng, sat=(0.0, 0.15), val=(0.82, 1.0))
    bottom = top * rng.uniform(0.85, 1.0)
    ramp = np.linspace(0, 1, frame.height, dtype=np.float32)[:, None, None]
    background = np.broadcast_to(top * (1 - ramp) + bottom * ramp,
                                 (frame.height, frame.width, 3)).astype(np.uint8)
    canvas = Canvas(frame, background.copy())
    skin = np.array(SKIN_TONES[rng.integers(len(SKIN_TONES))], float) + rng.uniform(-12, 12, 3)
    hair = np.array(HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))], float) + rng.uniform(-8, 8, 3)
    hx, hy, hrx, hry = body.head
    hair_id, face_id = PARSING_IDS['hair'], PARSING_IDS['face']
    if body.long_hair:
        canvas.polygon([[hx - 1.15 * hrx, hy], [hx + 1.15 * hrx, hy],
                        [hx + 1.3 * hrx, body.y_sh + rng.uniform(15, 40)],
                        [hx - 1.3 * hrx, body.y_sh + rng.uniform(15, 40)]], hair, hair_id)
    _draw_legs_and_bottoms(rng, canvas, body, skin)
    torso = [[body.cx + s * body.shoulder_hw, body.y_sh - 3] for s in SIDES[::-1]]
    torso = [torso[1], torso[0], [body.cx + body.hip_hw + 2, body.y_hip + 8],
             [body.cx - body.hip_hw - 2, body.y_hip + 8]]
    canvas.polygon(torso, None, None, DP_TORSO)
    canvas.polygon([[hx - body.neck_hw, hy + 0.5 * hry], [hx + body.neck_hw, hy + 0.5 * hry],
                    [body.cx + body.neck_hw + 6, body.y_neck + 2],
                    [body.cx, body.y_neck + 30], [body.cx - body.neck_hw - 6, body.y_neck + 2]],
                   skin, face_id, DP_TORSO)
    for side, arm in zip(SIDES, body.arms):
        if not arm.in_front:
            _draw_arm(canvas, body, side, arm, skin)
    shaded = worn.astype(np.float32) * _fold_shading(rng, frame)
    canvas.image[worn_mask] = np.round(shaded[worn_mask]).astype(np.uint8)
    canvas.parsing[worn_mask] = PARSING_IDS['upper_clothes']
    for side, arm in zip(SIDES, body.arms):
        if arm.in_front:
            _draw_arm(canvas, body, side, arm, skin)
    canvas.ellipse((hx, hy - 0.25 * hry), (1.08 * hrx, 0.95 * hry), hair, hair_id)
    head = np.zeros_like(canvas.parsing)
    canvas.ellipse((hx, hy + 0.1 * hry), (0.92 * hrx, 0.9 * hry), skin, face_id)
    c = point(frame.pts((hx, hy + 0.1 * hry))[0])
    axes = (int(round(0.92 * hrx * frame.sx * SHIFT_SCALE)),
            int(round(0.9 * hry * frame.sy * SHIFT_SCALE)))
    cv2.ellipse(head, c, axes, 0, 0, 360, 1, -1, cv2.LINE_8, SHIFT)
    head_x = frame.pts((hx, hy))[0, 0]
    halves = np.where(np.arange(frame.width) >= head_x, DP_HEAD[1], DP_HEAD[-1])
    canvas.densepose[head > 0] = np.broadcast_to(halves, head.shape)[head > 0]
    dark = skin * 0.35
    for s in SIDES:
        canvas.ellipse((hx + s * 0.35 * hrx, hy - 0.05 * hry), (1.6, 1.4), dark)
    canvas.polygon([[hx - 0.25 * hrx, hy + 0.5 * hry], [hx + 0.25 * hrx, hy + 0.5 * hry],
                    [hx + 0.2 * hrx, hy + 0.56 * hry], [hx - 0.2 * hrx, hy + 0.56 * hry]],
                   skin * 0.6)
    light = np.linspace(rng.uniform(0.95, 1.0), rng.uniform(0.95, 1.0), frame.width,
                        dtype=np.float32)[None, :, None]
    image = np.clip(canvas.image.astype(np.float32) * light + 0.5, 0, 255).astype(np.uint8)
    return image, canvas.parsing, canvas.densepose, canvas.parsing == PARSING_IDS['upper_clothes']
