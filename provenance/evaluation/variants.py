"""Edited copies of originals with known ground truth, for `provenance eval`.

Each generator takes the original (already at social-media size) and a random
generator and returns the edited picture and, for local edits, the edited box in the
edited picture's pixels. Strengths are drawn from ranges, so a different seed gives a
different set of the same kinds of edit.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

Box = tuple[int, int, int, int]
"""x, y, w, h in the edited picture's pixels."""

SOCIAL_MEDIA_SIDE = 2048
"""Platforms serve copies at most this large; variants start from the original at this size."""


@dataclass(frozen=True)
class Variant:
    group: str
    name: str
    original: str
    """external_id of the original it was made from ('' for a photograph not in the library)."""
    expected_references: tuple[str, ...]
    expected_verdict: str
    edited_box: Box | None
    data: bytes


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def social_media_size(image: Image.Image) -> Image.Image:
    image = image.convert("RGB")
    if max(image.size) > SOCIAL_MEDIA_SIDE:
        image = image.copy()
        image.thumbnail((SOCIAL_MEDIA_SIDE, SOCIAL_MEDIA_SIDE), Image.Resampling.LANCZOS)
    return image


# Benign, global edits -------------------------------------------------------------


def reencode(rng: np.random.Generator) -> list[tuple[str, Callable[[Image.Image], bytes]]]:
    quality = int(rng.integers(30, 45))
    return [
        (f"jpeg-q{quality}", lambda im: encode(im, quality=quality)),
        ("jpeg-q70", lambda im: encode(im, quality=70)),
        ("jpeg-q90", lambda im: encode(im, quality=90)),
        ("webp-q60", lambda im: encode(im, "WEBP", quality=60)),
        ("png", lambda im: encode(im, "PNG")),
    ]


def resized(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def to_width(image: Image.Image, width: int) -> Image.Image:
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)


def crop_box(image: Image.Image, area: float, rng: np.random.Generator, centred: bool) -> Box:
    """A box keeping `area` of the picture with its aspect ratio, central or anywhere."""
    side = area**0.5
    width, height = round(image.width * side), round(image.height * side)
    if centred:
        x, y = (image.width - width) // 2, (image.height - height) // 2
    else:
        x, y = int(rng.integers(0, image.width - width + 1)), int(rng.integers(0, image.height - height + 1))
    return x, y, width, height


def crop_fraction(image: Image.Image, area: float, rng: np.random.Generator, centred: bool) -> Image.Image:
    x, y, width, height = crop_box(image, area, rng, centred)
    return image.crop((x, y, x + width, y + height))


def rotate_small(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate and crop to the largest axis-aligned rectangle without borders."""
    turned = image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False)
    angle = np.radians(abs(degrees))
    width, height = image.size
    cos, sin = np.cos(angle), np.sin(angle)
    scale = min(width / (width * cos + height * sin), height / (width * sin + height * cos))
    inner_w, inner_h = int(width * scale), int(height * scale)
    x, y = (width - inner_w) // 2, (height - inner_h) // 2
    return turned.crop((x, y, x + inner_w, y + inner_h))


def gamma(image: Image.Image, value: float) -> Image.Image:
    table = [round(255 * (i / 255) ** value) for i in range(256)] * 3
    return image.point(table)


def add_borders(image: Image.Image, fraction: float, colour: str) -> Image.Image:
    border = round(max(image.size) * fraction)
    return ImageOps.expand(image, border=border, fill=colour)


def caption_bar(image: Image.Image, text: str) -> Image.Image:
    bar = round(image.height * 0.14)
    framed = Image.new("RGB", (image.width, image.height + bar), "white")
    framed.paste(image, (0, 0))
    draw = ImageDraw.Draw(framed)
    font = ImageFont.load_default(size=max(12, bar // 3))
    draw.text((bar // 3, image.height + bar // 3), text, fill="black", font=font)
    return framed


def screenshot(image: Image.Image) -> Image.Image:
    """The photo shown at 60 % inside a phone-like app frame with header and text."""
    shown = resized(image, 0.6)
    width, height = shown.width + 80, shown.height + 360
    frame = Image.new("RGB", (width, height), (245, 245, 245))
    draw = ImageDraw.Draw(frame)
    draw.rectangle((0, 0, width, 90), fill=(29, 161, 242))
    font = ImageFont.load_default(size=28)
    draw.text((30, 30), "News feed", fill="white", font=font)
    frame.paste(shown, (40, 130))
    draw.text((40, 150 + shown.height), "Breaking: look at this picture", fill=(20, 20, 20), font=font)
    return frame


# Local edits (montage) ------------------------------------------------------------


def _random_box(image: Image.Image, rng: np.random.Generator, area: tuple[float, float]) -> Box:
    fraction = rng.uniform(*area)
    aspect = rng.uniform(0.6, 1.6)
    width = int(np.clip(round((fraction * image.width * image.height * aspect) ** 0.5), 8, image.width - 2))
    height = int(np.clip(round(fraction * image.width * image.height / width), 8, image.height - 2))
    margin_x, margin_y = image.width // 20, image.height // 20
    x = int(rng.integers(margin_x, max(margin_x + 1, image.width - width - margin_x)))
    y = int(rng.integers(margin_y, max(margin_y + 1, image.height - height - margin_y)))
    return x, y, width, height


def paste_from(image: Image.Image, donor: Image.Image, rng: np.random.Generator, soft: bool) -> tuple[Image.Image, Box]:
    x, y, width, height = _random_box(image, rng, (0.02, 0.10))
    donor = social_media_size(donor)
    scale = max(width / donor.width, height / donor.height) * rng.uniform(1.0, 1.5)
    donor = resized(donor, scale)
    dx, dy = int(rng.integers(0, donor.width - width + 1)), int(rng.integers(0, donor.height - height + 1))
    patch = donor.crop((dx, dy, dx + width, dy + height))
    mask = Image.new("L", (width, height), 255)
    if soft:
        feather = max(2, min(width, height) // 10)
        mask = ImageOps.expand(Image.new("L", (width - 2 * feather, height - 2 * feather), 255), feather, 0)
        mask = mask.filter(ImageFilter.GaussianBlur(feather / 2))
    edited = image.copy()
    edited.paste(patch, (x, y), mask)
    return edited, (x, y, width, height)


def copy_move(image: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Box]:
    x, y, width, height = _random_box(image, rng, (0.02, 0.08))
    for _ in range(50):
        sx = int(rng.integers(0, image.width - width))
        sy = int(rng.integers(0, image.height - height))
        if abs(sx - x) > width or abs(sy - y) > height:
            break
    edited = image.copy()
    edited.paste(image.crop((sx, sy, sx + width, sy + height)), (x, y))
    return edited, (x, y, width, height)


def inpaint(image: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Box]:
    x, y, width, height = _random_box(image, rng, (0.02, 0.06))
    pixels = np.asarray(image)
    mask = np.zeros(pixels.shape[:2], np.uint8)
    mask[y : y + height, x : x + width] = 255
    filled = cv2.inpaint(np.ascontiguousarray(pixels[:, :, ::-1]), mask, 5, cv2.INPAINT_TELEA)[:, :, ::-1]
    return Image.fromarray(np.ascontiguousarray(filled)), (x, y, width, height)


def text_overlay(image: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Box]:
    edited = image.copy()
    draw = ImageDraw.Draw(edited)
    font = ImageFont.load_default(size=max(16, image.height // 12))
    text = str(rng.choice(["STAGED", "FAKE NEWS", "EXCLUSIVE", "MONTAGE"]))
    left, top, right, bottom = (int(c) for c in draw.textbbox((0, 0), text, font=font, stroke_width=2))
    x = int(rng.integers(0, max(1, image.width - (right - left))))
    y = int(rng.integers(0, max(1, image.height - (bottom - top))))
    draw.text((x - left, y - top), text, font=font, fill=(255, 255, 40), stroke_width=2, stroke_fill=(0, 0, 0))
    return edited, (x, y, right - left, bottom - top)


def composite(image: Image.Image, other: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Box]:
    """A large part (20-35 % of the area) of another original pasted in."""
    x, y, width, height = _random_box(image, rng, (0.20, 0.35))
    other = social_media_size(other)
    scale = max(width / other.width, height / other.height) * rng.uniform(1.0, 1.3)
    other = resized(other, scale)
    ox, oy = int(rng.integers(0, other.width - width + 1)), int(rng.integers(0, other.height - height + 1))
    edited = image.copy()
    edited.paste(other.crop((ox, oy, ox + width, oy + height)), (x, y))
    return edited, (x, y, width, height)


def same_scene(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A stand-in for a neighbouring frame: a parallax-like displacement (near things,
    lower in the frame, shift more than far ones) plus a moved subject and new framing."""
    pixels = np.asarray(image)
    height, width = pixels.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    depth = (ys / height) ** 2
    shift = rng.uniform(0.03, 0.05) * width
    map_x = xs + shift * depth + 0.01 * width * np.sin(xs / width * 6.0 + rng.uniform(0, 6))
    map_y = ys + 0.01 * height * np.sin(xs / width * 4.0)
    moved = cv2.remap(pixels, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    frame = Image.fromarray(moved)
    frame = ImageEnhance.Brightness(frame).enhance(rng.uniform(0.9, 1.1))
    return crop_fraction(frame, 0.85, rng, centred=False)
