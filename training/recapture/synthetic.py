"""Synthetic recaptures: a genuine photo shown on a simulated screen (or print), re-photographed.

The simulation is physical rather than a filter:

1. the picture is resized to the display's resolution and rendered as RGB sub-pixel
   stripes with a dark gap between pixels (or, for a print, as a rotated halftone dot
   screen);
2. the display's response is applied: raised black level (room light on the glass), capped
   white, a gamma and a colour temperature;
3. a camera at a random distance and angle samples that radiance through a homography.
   The sampling is point-like after a little optical blur, so the sub-pixel grid aliases
   into moiré exactly where the real grid would;
4. a bezel and a blurred surround (another photo) fill the frame unless it is a close-up,
   then glare, sensor noise, the phone's downscale and a JPEG at a random quality.

``make_recapture(content, surround, rng)`` returns JPEG bytes, ready for the same decode as
every real photo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image


@dataclass(frozen=True)
class SyntheticConfig:
    camera_long_side: tuple[int, int] = (1400, 2200)
    output_long_side: tuple[int, int] = (720, 1280)
    display_long_side: tuple[int, int] = (400, 900)
    jpeg_quality: tuple[int, int] = (60, 95)
    print_share: float = 0.15
    close_up_share: float = 0.35


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _resize(image: NDArray[np.float32], width: int, height: int) -> NDArray[np.float32]:
    shrink = width < image.shape[1]
    interpolation = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(image, (width, height), interpolation=interpolation), np.float32)


def render_display(picture: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """Sub-pixel radiance of a screen showing ``picture`` (float RGB 0-1), 3x its resolution."""
    h, w = picture.shape[:2]
    up = np.repeat(np.repeat(picture, 3, axis=0), 3, axis=1)
    stripes = np.zeros((3, 3, 3), np.float32)
    order = [0, 1, 2] if rng.random() < 0.8 else [2, 1, 0]  # RGB or BGR stripe layouts
    for column, channel in enumerate(order):
        stripes[:, column, channel] = 3.0  # each stripe lights a third of the pixel
    gap = rng.uniform(0.0, 0.35)  # the dark row between pixel rows (fill factor)
    stripes[2, :, :] *= 1 - gap
    if rng.random() < 0.3:  # PenTile-like diagonal layouts: shift every other row
        stripes = np.roll(stripes, 1, axis=1) if rng.random() < 0.5 else stripes
    mask = np.tile(stripes, (h, w, 1))
    return up * mask / 3.0 * (3.0 / (3.0 - gap))


def render_print(picture: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """A halftone print of ``picture``: per-ink rotated dot screens on white paper, 3x res."""
    up = cv2.resize(picture, None, fx=3, fy=3, interpolation=cv2.INTER_LINEAR)
    h, w = up.shape[:2]
    period = rng.uniform(4.0, 9.0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ink = 1.0 - up  # CMY coverage
    out = np.ones_like(up)
    for channel, angle in zip(range(3), (15, 75, 0), strict=True):
        theta = np.deg2rad(angle + rng.uniform(-5, 5))
        u = xx * np.cos(theta) + yy * np.sin(theta)
        v = -xx * np.sin(theta) + yy * np.cos(theta)
        dots = 0.5 * (np.cos(2 * np.pi * u / period) + np.cos(2 * np.pi * v / period))
        # A dot covers the cell where the wave exceeds the threshold set by the ink level.
        covered = dots > (1 - 2 * ink[..., channel])
        out[..., channel] = np.where(covered, 0.08, 1.0)
    paper = np.array([1.0, 0.98, 0.94], np.float32) * rng.uniform(0.85, 1.0)
    return np.asarray(out * paper, np.float32)


def display_response(
    radiance: NDArray[np.float32], rng: np.random.Generator
) -> NDArray[np.float32]:
    black = rng.uniform(0.002, 0.03)
    white = rng.uniform(0.6, 1.0)
    gamma = rng.uniform(0.8, 1.25)
    tint = np.array(
        [rng.uniform(0.85, 1.02), rng.uniform(0.95, 1.03), rng.uniform(0.98, 1.15)], np.float32
    )
    out = black + (white - black) * np.clip(radiance, 0, None) ** gamma
    return np.asarray(out * tint, np.float32)


def _homography(
    src_w: int, src_h: int, cam_w: int, cam_h: int, close_up: bool, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Maps the display radiance into the camera frame with a random pose."""
    fill = rng.uniform(1.05, 1.6) if close_up else rng.uniform(0.45, 0.9)
    scale = fill * min(cam_w / src_w, cam_h / src_h)
    cx = cam_w / 2 + rng.uniform(-0.1, 0.1) * cam_w
    cy = cam_h / 2 + rng.uniform(-0.1, 0.1) * cam_h
    angle = np.deg2rad(rng.normal(0, 4))
    hw, hh = src_w * scale / 2, src_h * scale / 2
    corners = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]], np.float64)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = corners @ rot.T
    # Perspective: one side nearer the camera than the other.
    tilt = rng.uniform(-0.12, 0.12, size=2)
    corners[:, 0] *= 1 + tilt[0] * np.sign(corners[:, 1])
    corners[:, 1] *= 1 + tilt[1] * np.sign(corners[:, 0])
    corners += rng.normal(0, 0.01 * min(cam_w, cam_h), size=corners.shape)
    corners += [cx, cy]
    src = np.array([[0, 0], [src_w, 0], [src_w, src_h], [0, src_h]], np.float64)
    return np.asarray(
        cv2.getPerspectiveTransform(src.astype(np.float32), corners.astype(np.float32))
    )


def _glare(frame: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    sx, sy = rng.uniform(0.05, 0.4) * w, rng.uniform(0.02, 0.2) * h
    theta = rng.uniform(0, np.pi)
    u = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta)
    v = -(xx - cx) * np.sin(theta) + (yy - cy) * np.cos(theta)
    blob = np.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2)) * rng.uniform(0.05, 0.4)
    return frame + blob[..., None]


def make_recapture(
    content: NDArray[np.uint8],
    surround: NDArray[np.uint8],
    rng: np.random.Generator,
    config: SyntheticConfig | None = None,
) -> bytes:
    """JPEG bytes of a simulated photo of ``content`` on a screen or print.

    ``content`` and ``surround`` are RGB uint8 (H, W, 3) genuine photos.
    """
    cfg = config or SyntheticConfig()
    picture = content.astype(np.float32) / 255
    is_print = rng.random() < cfg.print_share
    display_long = int(_uniform(rng, cfg.display_long_side))
    if is_print:
        display_long = min(display_long, 700)
    scale = display_long / max(picture.shape[:2])
    dw = max(8, round(picture.shape[1] * scale))
    dh = max(8, round(picture.shape[0] * scale))
    picture = np.clip(_resize(picture, dw, dh), 0, 1) ** 2.2  # to linear light
    radiance = render_print(picture, rng) if is_print else render_display(picture, rng)
    radiance = display_response(radiance, rng)

    cam_long = int(_uniform(rng, cfg.camera_long_side))
    wide = picture.shape[1] >= picture.shape[0]
    landscape = wide if rng.random() < 0.8 else not wide
    cam_w, cam_h = (cam_long, cam_long * 3 // 4) if landscape else (cam_long * 3 // 4, cam_long)
    close_up = rng.random() < cfg.close_up_share
    src_h, src_w = radiance.shape[:2]
    homography = _homography(src_w, src_h, cam_w, cam_h, close_up, rng)
    # Optical blur in source pixels before point sampling (lens + sensor integration).
    pixel_in_source = float(np.sqrt(abs(np.linalg.det(np.linalg.inv(homography)[:2, :2]))))
    sigma = max(0.3, rng.uniform(0.3, 0.9) * pixel_in_source)
    radiance = np.asarray(cv2.GaussianBlur(radiance, (0, 0), sigma), np.float32)

    background = surround.astype(np.float32) / 255
    background = np.clip(_resize(background, cam_w, cam_h), 0, 1) ** 2.2
    background = np.asarray(cv2.GaussianBlur(background, (0, 0), rng.uniform(1, 6)), np.float32)
    background *= rng.uniform(0.3, 1.0)
    bezel_colour = rng.uniform(0.0, 0.01) if not is_print else rng.uniform(0.4, 0.8)
    bezel = rng.uniform(0.02, 0.08) * max(src_w, src_h)
    outer = np.array(
        [
            [-bezel, -bezel],
            [src_w + bezel, -bezel],
            [src_w + bezel, src_h + bezel],
            [-bezel, src_h + bezel],
        ],
        np.float32,
    )
    outer_cam = cv2.perspectiveTransform(outer[None], homography)[0]
    frame = background.copy()
    device = np.zeros((cam_h, cam_w), np.uint8)
    cv2.fillConvexPoly(device, np.round(outer_cam).astype(np.int32), 1)
    frame[device > 0] = bezel_colour
    screen = cv2.warpPerspective(
        radiance, homography, (cam_w, cam_h), flags=cv2.INTER_LINEAR, borderValue=(-1, -1, -1)
    )
    inside = screen[..., 0] >= 0
    frame[inside] = screen[inside]
    # Auto-exposure meters on the bright screen: scale so that its highlights sit near white.
    lit = frame[inside] if inside.any() else frame.reshape(-1, 3)
    frame *= rng.uniform(0.8, 1.1) / max(float(np.percentile(lit, 99)), 1e-3)
    if rng.random() < 0.4:
        frame = _glare(frame, rng)
    frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.4, 1.0)), np.float32)
    frame = np.clip(frame, 0, 1) ** (1 / 2.2)
    frame = frame * 255 + rng.normal(0, rng.uniform(0.5, 3.0), size=frame.shape)
    out_long = int(_uniform(rng, cfg.output_long_side))
    out_scale = out_long / cam_long
    out = cv2.resize(
        np.clip(frame, 0, 255).astype(np.uint8),
        (round(cam_w * out_scale), round(cam_h * out_scale)),
        interpolation=cv2.INTER_AREA,
    )
    buffer = io.BytesIO()
    Image.fromarray(out).save(buffer, "JPEG", quality=int(rng.integers(*cfg.jpeg_quality)))
    return buffer.getvalue()
