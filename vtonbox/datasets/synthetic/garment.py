"""Synthetic product cloth (flat T-shirt on white) and its thin-plate-spline warp.

The worn garment of a synthetic person is this same product image warped by a smooth
TPS field (``warp_to_person``), so the paired cloth -> worn garment mapping is a real,
learnable geometric warp. Coordinates are written in a 192 x 256 reference frame and
scaled to the output size (``Frame``).
"""
from typing import NamedTuple, Tuple

import cv2
import numpy as np

REF_W, REF_H = 192.0, 256.0
#: cv2 drawing with sub-pixel precision: coordinates are multiplied by 2**SHIFT.
SHIFT = 4
SHIFT_SCALE = float(1 << SHIFT)
WHITE = 255
#: Patterns of the product cloth and how often each is drawn.
PATTERNS = ('solid', 'stripes', 'checks', 'dots', 'logo')
PATTERN_PROBS = (0.15, 0.25, 0.2, 0.2, 0.2)
LOGO_OVERLAY_PROB = 0.3
TPS_GRID_STEP = 4
TPS_REGULARISATION = 1e-3
MASK_THRESHOLD = 127


class Frame(NamedTuple):
    """Output size and the scale from the 192 x 256 reference frame."""
    height: int
    width: int

    @property
    def sx(self) -> float:
        return self.width / REF_W

    @property
    def sy(self) -> float:
        return self.height / REF_H

    @property
    def s(self) -> float:
        """Scale for lengths that are not tied to one axis (radii, thicknesses)."""
        return min(self.sx, self.sy)

    def pts(self, ref_points) -> np.ndarray:
        """(N, 2) reference (x, y) -> output pixel coordinates (float)."""
        p = np.asarray(ref_points, dtype=np.float64).reshape(-1, 2)
        return p * np.array([self.sx, self.sy])


def fixed(points: np.ndarray) -> np.ndarray:
    """Pixel coordinates -> int32 cv2 points with ``SHIFT`` fractional bits."""
    return np.round(np.asarray(points) * SHIFT_SCALE).astype(np.int32).reshape(-1, 1, 2)


def point(p) -> Tuple[int, int]:
    """One pixel point -> the (x, y) int tuple with ``SHIFT`` fractional bits cv2 wants."""
    q = fixed(p)[0, 0]
    return int(q[0]), int(q[1])


def random_colour(rng: np.random.Generator, sat=(0.3, 0.9), val=(0.35, 0.9)) -> np.ndarray:
    """A random RGB colour (float32, [0, 255]) from HSV ranges."""
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(*sat) * 255, rng.uniform(*val) * 255]]],
                   dtype=np.float32)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def contrast_colour(rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    """A second colour that stands out against ``base`` (white, black or another hue)."""
    choice = rng.integers(3)
    if choice == 0:
        return np.array([245.0, 245.0, 240.0], dtype=np.float32)
    if choice == 1:
        return np.array([25.0, 25.0, 30.0], dtype=np.float32)
    other = random_colour(rng)
    while np.abs(other - base).sum() < 120:
        other = random_colour(rng)
    return other


class ClothShape(NamedTuple):
    """Key points of a flat T-shirt in output pixels (x, y), left/right = image sides."""
    polygon: np.ndarray        # (N, 2) outline
    neck: np.ndarray           # (3, 2) neckline left, bottom centre, right
    shoulders: np.ndarray      # (2, 2) left, right
    sleeve_out: np.ndarray     # (2, 2) outer (upper) corner of each sleeve opening
    sleeve_in: np.ndarray      # (2, 2) inner (lower) corner
    armpits: np.ndarray        # (2, 2)
    waist: np.ndarray          # (2, 2)
    hem: np.ndarray            # (3, 2) left, centre, right
    centre: np.ndarray         # (1, 2)
    sleeve_length: float       # reference units


def cloth_shape(rng: np.random.Generator, frame: Frame) -> ClothShape:
    """Random T-shirt silhouette centred in the frame (product-photo style)."""
    cx = REF_W / 2 + rng.uniform(-3, 3)
    neck_hw, neck_depth = rng.uniform(14, 19), rng.uniform(8, 26)
    shoulder_y, shoulder_hw = rng.uniform(34, 44), rng.uniform(48, 56)
    sleeve_len, sleeve_angle = rng.uniform(14, 38), np.deg2rad(rng.uniform(25, 45))
    sleeve_open = rng.uniform(20, 26)
    hem_y = rng.uniform(208, 236)
    body_hw = rng.uniform(38, 46)
    hem_hw = body_hw + rng.uniform(-3, 6)
    v_neck = rng.random() < 0.4

    direction = np.array([np.cos(sleeve_angle), np.sin(sleeve_angle)])
    normal = np.array([-np.sin(sleeve_angle), np.cos(sleeve_angle)])
    shoulder_r = np.array([cx + shoulder_hw, shoulder_y + 6])
    out_r = shoulder_r + sleeve_len * direction
    in_r = out_r + sleeve_open * normal
    armpit_r = np.array([min(cx + body_hw, in_r[0] - 2), max(shoulder_y + 34, in_r[1] + 4)])
    hem_r = np.array([cx + hem_hw, hem_y])

    def mirror(p):
        return np.array([2 * cx - p[0], p[1]])

    steps = np.linspace(np.pi, 0, 9)
    if v_neck:
        neckline = np.stack([cx + neck_hw * np.cos(steps),
                             shoulder_y - 2 + neck_depth * (1 - np.abs(np.cos(steps)))], 1)
    else:
        neckline = np.stack([cx + neck_hw * np.cos(steps),
                             shoulder_y - 2 + neck_depth * np.sin(steps)], 1)
    right_side = [shoulder_r, out_r, in_r, armpit_r, hem_r]
    left_side = [mirror(p) for p in right_side[::-1]]
    outline = np.concatenate([neckline, np.array(right_side), np.array(left_side)], 0)
    waist_y = (armpit_r[1] + hem_y) / 2
    waist_hw = (armpit_r[0] - cx + hem_hw) / 2
    return ClothShape(
        polygon=frame.pts(outline),
        neck=frame.pts([neckline[0], [cx, shoulder_y - 2 + neck_depth], neckline[-1]]),
        shoulders=frame.pts([mirror(shoulder_r), shoulder_r]),
        sleeve_out=frame.pts([mirror(out_r), out_r]),
        sleeve_in=frame.pts([mirror(in_r), in_r]),
        armpits=frame.pts([mirror(armpit_r), armpit_r]),
        waist=frame.pts([[cx - waist_hw, waist_y], [cx + waist_hw, waist_y]]),
        hem=frame.pts([mirror(hem_r), [cx, hem_y], hem_r]),
        centre=frame.pts([[cx, (shoulder_y + hem_y) / 2]]),
        sleeve_length=float(sleeve_len))


def _pattern_mask(rng: np.random.Generator, pattern: str, frame: Frame) -> np.ndarray:
    """(H, W) bool: where the second colour goes."""
    ys, xs = np.mgrid[0:frame.height, 0:frame.width].astype(np.float32)
    if pattern == 'stripes':
        period = rng.uniform(8, 22) * frame.s
        duty = rng.uniform(0.3, 0.6)
        coord = (ys, xs, (xs + ys) / np.sqrt(2), (xs - ys) / np.sqrt(2))[rng.integers(4)]
        return np.mod(coord + rng.uniform(0, period), period) < duty * period
    if pattern == 'checks':
        period = rng.uniform(8, 20) * frame.s
        return (np.floor(xs / period) + np.floor(ys / period)) % 2 == 0
    if pattern == 'dots':
        period = rng.uniform(12, 24) * frame.s
        radius = rng.uniform(0.2, 0.35) * period
        shift = np.where(np.floor(ys / period) % 2 == 1, period / 2, 0) if rng.random() < 0.5 \
            else 0
        dx = np.mod(xs + shift, period) - period / 2
        dy = np.mod(ys, period) - period / 2
        return dx * dx + dy * dy < radius * radius
    return np.zeros((frame.height, frame.width), dtype=bool)


def _draw_logo(rng: np.random.Generator, image: np.ndarray, shape: ClothShape,
               frame: Frame) -> None:
    """A printed shape plus 2-4 letters on the chest, drawn in place (uint8 RGB)."""
    colour = tuple(float(c) for c in contrast_colour(rng, image[int(shape.centre[0, 1]),
                                                                 int(shape.centre[0, 0])]))
    text_colour = tuple(float(c) for c in random_colour(rng, val=(0.1, 0.9)))
    chest = np.array([shape.centre[0, 0], (shape.neck[1, 1] + shape.centre[0, 1]) / 2])
    size = rng.uniform(9, 17) * frame.s
    kind = rng.integers(3)
    if kind == 0:
        cv2.circle(image, point(chest), int(size * SHIFT_SCALE), colour, -1,
                   cv2.LINE_8, SHIFT)
    elif kind == 1:
        cv2.rectangle(image, point(chest - size), point(chest + size),
                      colour, -1, cv2.LINE_8, SHIFT)
    else:
        tri = chest + size * np.array([[0, -1.1], [1.1, 0.9], [-1.1, 0.9]])
        cv2.fillPoly(image, [fixed(tri)], colour, cv2.LINE_8, SHIFT)
    letters = ''.join(chr(ord('A') + int(i)) for i in rng.integers(0, 26, rng.integers(2, 5)))
    scale = 0.35 * frame.s * 2
    thickness = max(1, int(round(1.5 * frame.s)))
    (tw, th), _ = cv2.getTextSize(letters, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    origin = (int(chest[0] - tw / 2), int(chest[1] + size + th + 3 * frame.s))
    cv2.putText(image, letters, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, text_colour, thickness,
                cv2.LINE_8)


def make_product_cloth(rng: np.random.Generator, frame: Frame
                       ) -> Tuple[np.ndarray, np.ndarray, ClothShape]:
    """Draw a flat textured T-shirt on white.

    Returns:
        tuple: cloth (H, W, 3) uint8 RGB, mask (H, W) uint8 {0, 255}, its ClothShape.
    """
    shape = cloth_shape(rng, frame)
    pattern = PATTERNS[rng.choice(len(PATTERNS), p=PATTERN_PROBS)]
    base = random_colour(rng)
    texture = np.empty((frame.height, frame.width, 3), dtype=np.float32)
    texture[:] = base
    texture[_pattern_mask(rng, pattern, frame)] = contrast_colour(rng, base)
    texture = texture.astype(np.uint8)
    if pattern == 'logo' or rng.random() < LOGO_OVERLAY_PROB:
        _draw_logo(rng, texture, shape, frame)
    mask = np.zeros((frame.height, frame.width), dtype=np.uint8)
    cv2.fillPoly(mask, [fixed(shape.polygon)], WHITE, cv2.LINE_8, SHIFT)
    cloth = np.full_like(texture, WHITE)
    inside = mask > 0
    cloth[inside] = texture[inside]
    return cloth, mask, shape


def _tps_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    return np.where(d2 > 0, d2 * np.log(np.maximum(d2, 1e-12)), 0.0)


def fit_tps(src: np.ndarray, dst: np.ndarray, reg: float = TPS_REGULARISATION):
    """Thin-plate spline f with f(src) ~= dst; returns a callable on (M, 2) points.

    Points are normalised by the larger coordinate span for conditioning.
    """
    scale = max(np.ptp(src, axis=0).max(), 1e-6)
    origin = src.mean(0)
    s = (src - origin) / scale
    n = len(s)
    system = np.zeros((n + 3, n + 3))
    system[:n, :n] = _tps_kernel(s, s) + reg * np.eye(n)
    system[:n, n] = 1
    system[:n, n + 1:] = s
    system[n, :n] = 1
    system[n + 1:, :n] = s.T
    rhs = np.zeros((n + 3, 2))
    rhs[:n] = dst
    coef = np.linalg.solve(system, rhs)

    def apply(points: np.ndarray) -> np.ndarray:
        p = (np.asarray(points, dtype=np.float64) - origin) / scale
        return _tps_kernel(p, s) @ coef[:n] + coef[n] + p @ coef[n + 1:]

    return apply


def warp_to_person(cloth: np.ndarray, mask: np.ndarray, person_pts: np.ndarray,
                   cloth_pts: np.ndarray, frame: Frame) -> Tuple[np.ndarray, np.ndarray]:
    """Warp the product cloth so that ``cloth_pts`` land on ``person_pts``.

    The backward map (person pixel -> cloth pixel) is a TPS evaluated on a coarse grid
    and upsampled bilinearly, then applied with ``cv2.remap``.

    Returns:
        tuple: warped cloth (H, W, 3) uint8, worn-garment mask (H, W) bool.
    """
    backward = fit_tps(person_pts, cloth_pts)
    grid_h = max(2, frame.height // TPS_GRID_STEP)
    grid_w = max(2, frame.width // TPS_GRID_STEP)
    # Sample at the pixel centres of a grid_h x grid_w image so that cv2.resize
    # interpolates the map back at the right places.
    gy = (np.arange(grid_h) + 0.5) * frame.height / grid_h - 0.5
    gx = (np.arange(grid_w) + 0.5) * frame.width / grid_w - 0.5
    points = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    coarse = backward(points).reshape(grid_h, grid_w, 2).astype(np.float32)
    full = cv2.resize(coarse, (frame.width, frame.height), interpolation=cv2.INTER_LINEAR)
    map_x, map_y = np.ascontiguousarray(full[..., 0]), np.ascontiguousarray(full[..., 1])
    warped = cv2.remap(cloth, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                       borderValue=(WHITE, WHITE, WHITE))
    warped_mask = cv2.remap(mask, map_x, map_y, cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped, warped_mask > MASK_THRESHOLD
