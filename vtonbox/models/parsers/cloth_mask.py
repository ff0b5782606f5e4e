"""ClothMaskParser: the mask of an in-shop garment photo, without learning.

Product photos show one garment on a plain studio background. The background colour
is estimated from the image border, every pixel gets its colour distance to the
background, and the garment is the largest connected region that stands out from the
background noise, with its enclosed holes filled (VITON cloth masks are filled
silhouettes); background connected to the image border stays background, however
narrow the channel that connects it (the gap between a long sleeve and the torso).

Steps:
    1. Background colours: k-means (deterministic, at most ``max_background_clusters``)
       on the pixels of a border band; clusters holding at least
       ``min_cluster_fraction`` of the band are background, each represented by the
       median of its pixels (several clusters cover two-tone studios and gradients).
    2. Distance map: CIE Lab distance to the nearest background colour, with the
       chroma axes scaled by ``chroma_weight``: JPEG stores chroma subsampled and
       coarsely quantised, so its ringing spreads ~10 px around every coloured edge
       while lightness ringing stays within ~1 px.
    3. Thresholds: a conservative low threshold from the border noise
       (median + ``noise_sigmas`` robust sigmas, at least ``min_color_distance``) applied
       to the median-filtered distance keeps faint garments (white on white) and drops
       ringing specks; an Otsu threshold gives confident pixels, kept without median
       filtering (thin dark outlines) and required in the kept region.
    4. Morphology with kernels scaled to the image size (close bridges gaps in faint
       outlines, open removes thin spurs), largest connected component, hole filling by
       flood fill from the border.
    5. Outline refinement: in a thin band inside the outline, a pixel stays garment only
       if its RGB distance to the background is at least ``coverage_threshold`` of the
       distance of the nearest pixel inside the band. Anti-aliasing and JPEG blur mix
       colours linearly in RGB, so this puts the outline where the garment covers half
       a pixel.
    6. Open background given back (``open_background``): the closing also bridges the
       mouth of background channels, such as the gap between a long sleeve and the
       torso, and fills their narrow parts. Pixels within the noise threshold, or in a
       thin channel between strongly contrasting garment pixels with the background
       lightness (JPEG smears the garment chroma over such a channel), 8-connected to
       the border, are background again, unless giving them back cuts the garment into
       pieces (``keep_connected``: a sleeve hangs from the shoulder, whereas a pale
       stripe between dark ones only looks like a gap); the new outline is refined as
       in step 5.

Limits (documented, not hidden): a garment part whose colour is within about
``min_color_distance`` of the background (Lab, chroma weighted) and touches the outline
with no outline or shadow is cut off; true holes in a garment are filled; garment
colours covering more than ``min_cluster_fraction`` of the border band are taken as
background; a steep background gradient raises the noise threshold (fitted by at most
``max_background_clusters`` colours); pale print narrower than ``refine_ratio`` of the
image side where it meets the outline can be cut; a gap between garment parts stays
background only where a path of background pixels runs through it: at 192 x 256 (JPEG
quality 90) gaps of 5 px do, 4 px mostly, 2-3 px often fill with JPEG ringing and are
filled; conversely pale print (within ``gap_lightness_tolerance`` low thresholds of the
background lightness) between strongly contrasting print, reaching the outline, can be
cut off there when that leaves the garment in one piece.
"""
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from vtonbox.registry import MODELS

#: Scale from the median absolute deviation to the standard deviation of a Gaussian.
MAD_TO_SIGMA = 1.4826
#: Bins of the histogram that Otsu's method thresholds.
OTSU_LEVELS = 255
#: Border pixels used to fit the background k-means (a regular subsample beyond this).
KMEANS_MAX_POINTS = 1024


def _odd_kernel(size: float, minimum: int) -> np.ndarray:
    """Elliptic structuring element with an odd side of at least ``minimum``."""
    side = max(minimum, int(round(size)))
    side += 1 - side % 2
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))


def border_band(image: np.ndarray, width: int) -> np.ndarray:
    """Pixels of the band of ``width`` pixels along the four image sides.

    Args:
        image (np.ndarray): (H, W, C).
        width (int): band width in pixels.

    Returns:
        np.ndarray: (M, C), every band pixel once.
    """
    inner = np.ones(image.shape[:2], dtype=bool)
    inner[width:-width, width:-width] = False
    return image[inner]


def border_background(mask: np.ndarray, connectivity: int = 4) -> np.ndarray:
    """Background pixels of a {0, 255} mask that are 4-connected to the image border.

    The mask is padded with a background frame, so one flood fill from a corner reaches
    every border-connected background region, however narrow the channel it is reached
    through (one pixel is enough; diagonal steps between garment pixels are not).

    Args:
        mask (np.ndarray): (H, W) uint8 in {0, 255}.

    Returns:
        np.ndarray: (H, W) bool.
    """
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    reached = padded.copy()
    flood_mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(reached, flood_mask, (0, 0), 255, flags=connectivity)
    return (reached[1:-1, 1:-1] > 0) & (mask == 0)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill the background regions of a {0, 255} mask that do not touch the border.

    Args:
        mask (np.ndarray): (H, W) uint8 in {0, 255}.

    Returns:
        np.ndarray: (H, W) uint8 in {0, 255}; background 4-connected to the border
        (see ``border_background``) stays background.
    """
    holes = (mask == 0) & ~border_background(mask)
    return np.where(holes, np.uint8(255), mask)


def keep_connected(mask: np.ndarray, removal: np.ndarray, min_part: int,
                   open_kernel: np.ndarray) -> np.ndarray:
    """The pieces of ``removal`` whose removal does not cut the garment into pieces.

    A gap between a sleeve and the torso leaves the garment in one piece (the sleeve
    hangs from the shoulder); a pale stripe between dark ones that looks like a gap cuts
    the dark ones apart. Every 8-connected piece of ``removal`` that touches a part
    (of at least ``min_part`` pixels) cut off from the largest remaining component is
    kept in the garment. To err on the side of keeping, threads that an opening with
    ``open_kernel`` removes do not count as connections.

    Args:
        mask (np.ndarray): (H, W) uint8 in {0, 255}.
        removal (np.ndarray): (H, W) bool, pixels of ``mask`` to remove.
        min_part (int): smallest cut-off part, in pixels, that vetoes a removal.
        open_kernel (np.ndarray): structuring element of the spur-removing opening.

    Returns:
        np.ndarray: (H, W) bool, the pixels of ``removal`` that can be removed.
    """
    if not removal.any():
        return removal
    rest = cv2.morphologyEx(np.where(removal, np.uint8(0), mask), cv2.MORPH_OPEN, open_kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    if count <= 2:
        return removal
    areas = stats[1:, cv2.CC_STAT_AREA]
    cut_off = np.zeros(count, dtype=bool)
    cut_off[1:] = areas >= min_part
    cut_off[1 + int(np.argmax(areas))] = False
    if not cut_off.any():
        return removal
    # The opening may have moved a part up to a kernel radius away from the removal.
    reach = open_kernel.shape[0] + 2
    near_cut = cv2.dilate(np.uint8(cut_off[labels]), np.ones((reach, reach), np.uint8)) > 0
    _, pieces = cv2.connectedComponents(np.uint8(removal), connectivity=8)
    vetoed = np.zeros(int(pieces.max()) + 1, dtype=bool)
    vetoed[np.unique(pieces[near_cut & removal])] = True
    vetoed[0] = False
    return removal & ~vetoed[pieces]


def largest_component(mask: np.ndarray, seeds: Optional[np.ndarray] = None) -> np.ndarray:
    """Keep the largest 8-connected component of a {0, 255} mask.

    Args:
        mask (np.ndarray): (H, W) uint8 in {0, 255}.
        seeds (np.ndarray, optional): (H, W) bool; when given, only components that
            contain a seed pixel compete (hysteresis), if any does.

    Returns:
        np.ndarray: (H, W) uint8 in {0, 255}; all zero for an empty mask.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros_like(mask)
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.int64)
    if seeds is not None:
        seeded = np.zeros(count, dtype=bool)
        seeded[np.unique(labels[seeds])] = True
        if seeded[1:].any():
            areas = np.where(seeded[1:], areas, -1)
    keep = 1 + int(np.argmax(areas))
    return np.where(labels == keep, np.uint8(255), np.uint8(0))


def nearest_distance(pixels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Euclidean distance of every pixel to its nearest centre.

    Args:
        pixels (np.ndarray): (..., 3) float32.
        centres (np.ndarray): (K, 3) float32.

    Returns:
        np.ndarray: (...) float32.
    """
    nearest = None
    for centre in centres:
        diff = pixels - centre
        squared = np.einsum('...c,...c->...', diff, diff)
        nearest = squared if nearest is None else np.minimum(nearest, squared)
    return np.sqrt(nearest, dtype=np.float32)


@MODELS.register_module()
class ClothMaskParser:
    """Mask of a product garment photo on a plain background (no learning).

    Example:
        >>> parser = ClothMaskParser()
        >>> mask = parser(cloth_rgb)  # (H, W, 3) uint8 -> (H, W) uint8 in {0, 255}

    Args:
        border_ratio (float): width of the border band used to estimate the
            background, as a fraction of the shorter image side (at least 2 px).
        max_background_clusters (int): most background colours to find (k of k-means).
        min_cluster_fraction (float): share of the border band a colour cluster needs to
            count as background; smaller clusters are garment parts touching the border.
        kmeans_iters (int): Lloyd iterations of the border k-means.
        noise_sigmas (float): the low threshold is this many robust sigmas of the border
            distances above their median.
        min_color_distance (float): floor of the low threshold, in Lab units.
        chroma_weight (float): scale of the a, b axes relative to lightness.
        median_size (int): median filter (1, 3 or 5) of the distance map before the low
            threshold; 1 disables it.
        open_ratio (float): side of the opening kernel / shorter image side.
        close_ratio (float): side of the closing kernel / shorter image side.
        refine_ratio (float): width of the refined outline band / shorter image side.
        coverage_threshold (float): fraction of the local garment contrast a pixel of the
            outline band needs to stay garment (0.5 = half covered).
        gap_contrast (float): a pixel is in a thin background channel (see
            ``open_background``) when its distance is at most this fraction of the
            strongest distance within the closing kernel.
        gap_lightness_tolerance (float): a channel pixel is background when its lightness
            is within this many low thresholds of a background colour.
    """

    def __init__(self,
                 border_ratio: float = 0.02,
                 max_background_clusters: int = 3,
                 min_cluster_fraction: float = 0.2,
                 kmeans_iters: int = 10,
                 noise_sigmas: float = 6.0,
                 min_color_distance: float = 1.5,
                 chroma_weight: float = 0.3,
                 median_size: int = 5,
                 open_ratio: float = 0.01,
                 close_ratio: float = 0.03,
                 refine_ratio: float = 0.01,
                 coverage_threshold: float = 0.5,
                 gap_contrast: float = 0.25,
                 gap_lightness_tolerance: float = 1.5) -> None:
        if max_background_clusters < 1:
            raise ValueError(
                f'max_background_clusters must be >= 1, got {max_background_clusters}')
        if not 0.0 < min_cluster_fraction <= 1.0:
            raise ValueError(
                f'min_cluster_fraction must be in (0, 1], got {min_cluster_fraction}')
        if median_size not in (1, 3, 5):
            raise ValueError(f'median_size must be 1, 3 or 5, got {median_size}')
        if not 0.0 < coverage_threshold < 1.0:
            raise ValueError(f'coverage_threshold must be in (0, 1), got {coverage_threshold}')
        if not 0.0 <= gap_contrast < 1.0:
            raise ValueError(f'gap_contrast must be in [0, 1), got {gap_contrast}')
        if gap_lightness_tolerance < 0.0:
            raise ValueError(
                f'gap_lightness_tolerance must be >= 0, got {gap_lightness_tolerance}')
        self.border_ratio = border_ratio
        self.max_background_clusters = max_background_clusters
        self.min_cluster_fraction = min_cluster_fraction
        self.kmeans_iters = kmeans_iters
        self.noise_sigmas = noise_sigmas
        self.min_color_distance = min_color_distance
        self.chroma_weight = chroma_weight
        self.median_size = median_size
        self.open_ratio = open_ratio
        self.close_ratio = close_ratio
        self.refine_ratio = refine_ratio
        self.coverage_threshold = coverage_threshold
        self.gap_contrast = gap_contrast
        self.gap_lightness_tolerance = gap_lightness_tolerance

    def __call__(
        self, image: Union[np.ndarray, Sequence[np.ndarray]]
    ) -> Union[np.ndarray, List[np.ndarray]]:
        """Mask one image or each image of a list.

        Args:
            image (np.ndarray | list[np.ndarray]): (H, W, 3) uint8 RGB, or (H, W) uint8
                grayscale (converted to RGB); or a list of such arrays.

        Returns:
            np.ndarray | list[np.ndarray]: (H, W) uint8 in {0, 255} (255 = garment),
            one per input image.
        """
        if isinstance(image, (list, tuple)):
            return [self.parse(item) for item in image]
        return self.parse(image)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_background_clusters='
                f'{self.max_background_clusters}, min_color_distance={self.min_color_distance}, '
                f'coverage_threshold={self.coverage_threshold})')

    @staticmethod
    def check_image(image: np.ndarray) -> np.ndarray:
        """Validate the input and return it as (H, W, 3) uint8 RGB."""
        if not isinstance(image, np.ndarray):
            raise TypeError(f'image must be a numpy array, got {type(image).__name__}')
        if image.dtype != np.uint8:
            raise TypeError(f'image must be uint8 in [0, 255], got dtype {image.dtype}')
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(
                f'image must have shape (H, W, 3) (RGB) or (H, W), got {image.shape}')
        if min(image.shape[:2]) < 8:
            raise ValueError(f'image sides must be at least 8 pixels, got {image.shape[:2]}')
        return image

    def parse(self, image: np.ndarray) -> np.ndarray:
        """Mask of one garment photo.

        Args:
            image (np.ndarray): (H, W, 3) uint8 RGB or (H, W) uint8 grayscale.

        Returns:
            np.ndarray: (H, W) uint8 in {0, 255}.
        """
        rgb = np.ascontiguousarray(self.check_image(image)).astype(np.float32)
        lab = cv2.cvtColor(rgb / 255.0, cv2.COLOR_RGB2Lab)
        lab[..., 1:] *= self.chroma_weight
        side = min(rgb.shape[:2])
        band = max(2, int(round(self.border_ratio * side)))
        centres_lab, centres_rgb, border_distance = self.background_colors(
            border_band(lab, band), border_band(rgb, band))
        distance_lab = nearest_distance(lab, centres_lab)
        low, high = self.thresholds(distance_lab, border_distance)
        smooth = (cv2.medianBlur(distance_lab, self.median_size)
                  if self.median_size > 1 else distance_lab)
        confident = distance_lab > high
        mask = np.where((smooth > low) | confident, np.uint8(255), np.uint8(0))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _odd_kernel(self.close_ratio * side, 3))
        mask = fill_holes(largest_component(mask, seeds=confident))
        open_kernel = _odd_kernel(self.open_ratio * side, 3)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, open_kernel)
        mask = largest_component(mask)
        distance_rgb = nearest_distance(rgb, centres_rgb)
        mask = fill_holes(largest_component(self.refine_outline(mask, distance_rgb, side)))
        # The closing bridged the mouth of background channels (the gap between a sleeve
        # and the torso) and filled their narrow parts: give back the background that is
        # connected to the border, unless that cuts the garment into pieces.
        removal = keep_connected(
            mask, (mask > 0) & self.open_background(lab, distance_lab, centres_lab, low,
                                                    high, side),
            int(round((self.close_ratio * side) ** 2)), open_kernel)
        if not removal.any():
            return mask
        mask[removal] = 0
        # New outline along the given-back gaps: refined like the outer one.
        edge = cv2.dilate(np.uint8(removal), np.ones((3, 3), np.uint8)) > 0
        refined = self.refine_outline(mask, distance_rgb, side)
        mask[edge & (refined == 0)] = 0
        return mask

    def open_background(self, lab: np.ndarray, distance: np.ndarray, centres_lab: np.ndarray,
                        low: float, high: float, side: int) -> np.ndarray:
        """Background connected to the image border, through channels however narrow.

        A pixel is open background when its distance to the background is at most the
        low threshold, or when it lies in a thin channel between strongly contrasting
        garment pixels (the gap between a sleeve and the torso) and only its lightness
        is needed to call it background: there JPEG spreads the garment chroma over the
        whole channel and rings the lightness by a few units, so the channel pixel must
        be at most ``gap_contrast`` of the strongest distance within the closing kernel
        (itself above the high threshold) and its lightness within
        ``gap_lightness_tolerance`` low thresholds of a background colour. Open pixels
        8-connected to the border are returned.

        Args:
            lab (np.ndarray): (H, W, 3) chroma-weighted Lab image.
            distance (np.ndarray): (H, W) distance to the nearest background colour.
            centres_lab (np.ndarray): (K, 3) background colours (chroma-weighted Lab).
            low (float): noise threshold of ``thresholds``.
            high (float): Otsu threshold of ``thresholds``.
            side (int): shorter image side.

        Returns:
            np.ndarray: (H, W) bool.
        """
        flank = cv2.dilate(distance, _odd_kernel(self.close_ratio * side, 3))
        channel = (flank > high) & (distance <= self.gap_contrast * flank)
        lightness = np.abs(lab[..., :1] - centres_lab[None, None, :, 0]).min(axis=-1)
        open_pixels = (distance <= low) | (
            channel & (lightness <= self.gap_lightness_tolerance * low))
        return border_background(np.where(open_pixels, np.uint8(0), np.uint8(255)),
                                 connectivity=8)

    def background_colors(self, border_lab: np.ndarray,
                          border_rgb: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Background colours from the border band by k-means.

        Initial centres are lightness quantiles of the band, so the result is
        deterministic. Clusters below ``min_cluster_fraction`` of the band are dropped,
        the largest one is always kept; each is summarised by the median of its pixels.

        Args:
            border_lab (np.ndarray): (M, 3) Lab band pixels.
            border_rgb (np.ndarray): (M, 3) RGB band pixels (same order).

        Returns:
            tuple: Lab centres (K, 3), RGB centres (K, 3), and the Lab distances (M',) of
            the band pixels of the kept clusters to their nearest centre.
        """
        count = border_lab.shape[0]
        clusters = min(self.max_background_clusters, count)
        sample = border_lab[::max(1, count // KMEANS_MAX_POINTS)]
        order = np.argsort(sample[:, 0], kind='stable')
        quantiles = ((np.arange(clusters) + 0.5) / clusters * len(sample)).astype(np.int64)
        centres = sample[order[quantiles]].astype(np.float64)
        assign = None
        for _ in range(self.kmeans_iters):
            previous, assign = assign, self._assign(sample, centres)
            if previous is not None and np.array_equal(previous, assign):
                break
            sizes = np.bincount(assign, minlength=clusters)[:, None]
            sums = np.stack([np.bincount(assign, weights=sample[:, c], minlength=clusters)
                             for c in range(sample.shape[1])], axis=1)
            centres = np.where(sizes > 0, sums / np.maximum(sizes, 1), centres)
        assign = self._assign(border_lab, centres)
        sizes = np.bincount(assign, minlength=clusters)
        kept = np.flatnonzero((sizes >= self.min_cluster_fraction * count)
                              | (np.arange(clusters) == np.argmax(sizes)))
        members = [assign == k for k in kept]
        centres_lab = np.stack([np.median(border_lab[m], axis=0) for m in members])
        centres_rgb = np.stack([np.median(border_rgb[m], axis=0) for m in members])
        background = np.any(np.stack(members), axis=0)
        border_distance = nearest_distance(border_lab[background], centres_lab)
        return (centres_lab.astype(np.float32), centres_rgb.astype(np.float32),
                border_distance)

    @staticmethod
    def _assign(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
        """Index of the nearest centre, (M,) int64, for points (M, 3), centres (K, 3)."""
        squared = (points * points).sum(1)[:, None] - 2 * points @ centres.T \
            + (centres * centres).sum(1)[None]
        return squared.argmin(axis=1)

    def thresholds(self, distance: np.ndarray,
                   border_distance: np.ndarray) -> Tuple[float, float]:
        """Low (noise) and high (Otsu) thresholds on the Lab distance map.

        Args:
            distance (np.ndarray): (H, W) Delta E to the background.
            border_distance (np.ndarray): (M,) Delta E of background border pixels.

        Returns:
            tuple[float, float]: ``(low, high)`` with ``high >= low``.
        """
        median = float(np.median(border_distance))
        sigma = MAD_TO_SIGMA * float(np.median(np.abs(border_distance - median)))
        low = max(self.min_color_distance, median + self.noise_sigmas * sigma)
        peak = float(distance.max())
        if peak <= low:
            return low, low
        scaled = np.round(distance * (OTSU_LEVELS / peak)).astype(np.uint8)
        otsu, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return low, max(low, float(otsu) * peak / OTSU_LEVELS)

    def refine_outline(self, mask: np.ndarray, distance_rgb: np.ndarray,
                       side: int) -> np.ndarray:
        """Move the outline to where the garment covers ``coverage_threshold`` of a pixel.

        Each pixel of the band of width ``refine_ratio * side`` inside the outline is
        compared with the nearest pixel inside the band (the garment colour it was
        blended with): it stays garment if its RGB distance to the background is at
        least ``coverage_threshold`` times that pixel's distance. Comparing with the
        nearest inner pixel rather than a window maximum keeps pale print at the outline
        next to dark print.

        Args:
            mask (np.ndarray): (H, W) uint8 {0, 255} filled garment region.
            distance_rgb (np.ndarray): (H, W) RGB distance to the background.
            side (int): shorter image side.

        Returns:
            np.ndarray: (H, W) uint8 {0, 255}.
        """
        radius = max(1, int(round(self.refine_ratio * side)))
        window = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
        inner = cv2.erode(mask, window, borderType=cv2.BORDER_REPLICATE) > 0
        if not inner.any():
            return mask
        # Label k of DIST_LABEL_PIXEL is the k-th zero pixel of the source in raster order.
        _, nearest = cv2.distanceTransformWithLabels(
            np.where(inner, np.uint8(0), np.uint8(1)), cv2.DIST_L2, cv2.DIST_MASK_3,
            labelType=cv2.DIST_LABEL_PIXEL)
        inner_distance = distance_rgb.ravel()[np.flatnonzero(inner.ravel())]
        reference = inner_distance[nearest - 1]
        outline_band = (mask > 0) & ~inner
        drop = outline_band & (distance_rgb < self.coverage_threshold * reference)
        return np.where(drop, np.uint8(0), mask)
