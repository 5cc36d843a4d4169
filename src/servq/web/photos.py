"""Photos of supervisors' evaluations: accepted by their content, not their name or the
type the browser declares (the first bytes must be JPEG's or PNG's), up to a size, then
decoded and encoded again, so that what is stored is the pixels alone: no EXIF (no place,
no camera, no time), no comment chunks, nothing a browser could take for a script."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import UsageError
from .languages import Msg

KINDS = {b"\xff\xd8\xff": ("image/jpeg", "JPEG"), b"\x89PNG\r\n\x1a\n": ("image/png", "PNG")}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; a "decompression bomb" beyond is refused


@dataclass(frozen=True)
class Photo:
    content_type: str  # image/jpeg or image/png
    data: bytes


def kind_of(data: bytes) -> tuple[str, str] | None:
    """(content type, Pillow's format) by the magic bytes at the start of ``data``, else None."""
    return next((kind for magic, kind in KINDS.items() if data.startswith(magic)), None)


def clean_photo(data: bytes, name: str, max_bytes: int) -> Photo:
    """``data`` (the upload ``name``) checked and re-encoded in its own format without its
    metadata, turned upright as its EXIF said; :class:`UsageError` naming the file and
    what is wrong otherwise."""
    if len(data) > max_bytes:
        raise UsageError(Msg("supervisors.photo.too_big", name=name, max=f"{max_bytes // 1024} KB"))
    kind = kind_of(data)
    if kind is None:
        raise UsageError(Msg("supervisors.photo.not_image", name=name))
    content_type, fmt = kind
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise UsageError(Msg("supervisors.photo.too_many_pixels", name=name))
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise UsageError(Msg("supervisors.photo.broken", name=name)) from None
    if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    upright.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {"optimize": True}))
    return Photo(content_type, out.getvalue())
