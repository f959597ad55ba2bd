"""Hostile image files made in code, so the upload tests need nothing outside this
checkout: truncated and corrupted files, decompression bombs (by dimensions and by a PNG
text chunk), polyglots, zero width and zero height, bad or revealing EXIF, and the same for phone
formats: HEIC (made with pillow-heif) and AVIF (Pillow's own), truncated, claiming huge
dimensions, empty, and a JPEG under a .heic name.

Each maker returns the bytes of one file; `CASES` names them with the file name they are
uploaded under and whether the upload must be refused (a bomb or an image of no pixels
is never stored) or may be either refused or accepted clean."""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError, DecompressionBombWarning
from pillow_heif import HeifImagePlugin  # noqa: F401  (HEIF for Pillow, as the site has it)


def _picture(size=(64, 48)):
    image = Image.new("RGB", size)
    for x in range(size[0]):
        for y in range(size[1]):
            image.putpixel((x, y), (x * 4 % 256, y * 5 % 256, (x + y) % 256))
    return image


def _encoded(format, **options):
    out = io.BytesIO()
    _picture().save(out, format, **options)
    return out.getvalue()


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _png(width, height, rows=b"", extra_chunks=()):
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + b"".join(extra_chunks)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _gif(width, height):
    """A GIF whose logical screen is width x height, holding one frame of at most 1x1
    (0 wide on a screen 0 wide: Pillow widens the screen to a frame that is wider)."""
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
        + b"\x00\x00\x00\xff\xff\xff"  # two-colour global palette
        + b","
        + struct.pack("<HHHHB", 0, 0, min(width, 1), min(height, 1), 0)
        + b"\x02\x02\x44\x01\x00;"
    )


def _exif_segment(tiff):
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _with_segment(jpeg, segment):
    return jpeg[:2] + segment + jpeg[2:]  # right after SOI


def truncated_jpeg():
    jpeg = _encoded("JPEG", quality=90)
    return jpeg[: len(jpeg) // 2]


def truncated_png():
    png = _encoded("PNG")
    return png[: len(png) - 40]


def corrupted_png_stream():
    png = bytearray(_encoded("PNG"))
    start = png.index(b"IDAT") + 8
    png[start : start + 16] = b"\x00" * 16
    return bytes(png)


def png_dimension_bomb():
    """IHDR says 40,000 x 40,000 (1.6 gigapixels) over a few bytes of data."""
    return _png(40_000, 40_000, rows=b"\x00" * 16)


def gif_dimension_bomb():
    return _gif(65_535, 65_535)


def png_text_chunk_bomb():
    """A zTXt chunk that inflates to 64 MB (Pillow's text limit is 1 MB)."""
    text = b"Comment\x00\x00" + zlib.compress(b"A" * (64 * 1024 * 1024), 9)
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * 4 for _ in range(4))
    return _png(4, 4, rows=rows, extra_chunks=[_chunk(b"zTXt", text)])


def zero_width_gif():
    return _gif(0, 10)


def zero_height_png():
    return _png(10, 0)


def jpeg_html_polyglot():
    """A real JPEG with a script in a comment segment and an HTML page after its end."""
    script = b"<html><script>alert(document.cookie)</script></html>"
    comment = b"\xff\xfe" + struct.pack(">H", len(script) + 2) + script
    return _with_segment(_encoded("JPEG"), comment) + script


def html_named_as_jpeg():
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def png_zip_polyglot():
    """A real PNG followed by a ZIP archive (the ZIP's directory at the file's end)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.html", "<script>alert(1)</script>")
    return _encoded("PNG") + archive.getvalue()


def jpeg_exif_zero_resolution():
    """EXIF XResolution 0/0 (a division by zero when the DPI is worked out)."""
    entries = [
        (0x011A, 5, 1, 8 + 2 + 2 * 12 + 4),  # XResolution -> the rational after the IFD
        (0x0128, 3, 1, 2),  # ResolutionUnit: inches
    ]
    ifd = struct.pack("<H", len(entries))
    ifd += b"".join(struct.pack("<HHII", *entry) for entry in entries) + b"\x00" * 4
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<II", 0, 0)
    return _with_segment(_encoded("JPEG"), _exif_segment(tiff))


def jpeg_exif_garbage():
    """An Exif segment whose IFD offset points far past its end."""
    tiff = b"II*\x00" + struct.pack("<I", 0x7FFFFFF0) + b"\xde\xad\xbe\xef" * 4
    return _with_segment(_encoded("JPEG"), _exif_segment(tiff))


def jpeg_with_gps_exif():
    """A sound photo whose EXIF tells where it was taken: accepted only without it."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    gps[3], gps[4] = "W", (0.0, 7.0, 0.0)
    return _encoded("JPEG", exif=exif.tobytes())


def _phone(format):
    return _encoded(format, quality=60)


def _claiming_size(data, width, height):
    """The file's `ispe` box (the image's stated size) changed to width x height."""
    start = data.index(b"ispe") + 8  # after the box type and its version and flags
    return data[:start] + struct.pack(">II", width, height) + data[start + 8 :]


def truncated_heic():
    data = _phone("HEIF")
    return data[:-20]  # the header is whole; the coded picture is cut short


def heic_dimension_bomb():
    """States 60,000 x 60,000 over 64 x 48 pixels of data (libheif's limit refuses it)."""
    return _claiming_size(_phone("HEIF"), 60_000, 60_000)


def truncated_avif():
    return _phone("AVIF")[:-20]


def avif_dimension_bomb():
    """States 10,000 x 10,000 (100 megapixels) over 64 x 48 pixels of data."""
    return _claiming_size(_phone("AVIF"), 10_000, 10_000)


def empty_file():
    return b""


def heic_with_gps_exif():
    """A sound iPhone-style photo whose EXIF tells where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return _encoded("HEIF", quality=60, exif=exif.tobytes())


@dataclass(frozen=True)
class Case:
    """`pillow` is what Pillow itself says on opening and loading the file: the error it
    raises (a warning counts as one), or None for a readable image, whose hostile part
    `hidden` is then a byte string in it (a script) or "gps" (EXIF that tells where)."""

    name: str
    make: object
    pillow: type | None
    hidden: bytes | str | None = None
    must_refuse: bool = False


CASES = [
    Case("truncated.jpg", truncated_jpeg, OSError),
    Case("truncated.png", truncated_png, OSError),
    Case("corrupted-stream.png", corrupted_png_stream, OSError),
    Case("bomb-dimensions.png", png_dimension_bomb, DecompressionBombError, must_refuse=True),
    Case("bomb-dimensions.gif", gif_dimension_bomb, DecompressionBombError, must_refuse=True),
    Case("bomb-text-chunk.png", png_text_chunk_bomb, ValueError),
    Case("zero-width.gif", zero_width_gif, UnidentifiedImageError, must_refuse=True),
    Case("zero-height.png", zero_height_png, UnidentifiedImageError, must_refuse=True),
    Case("polyglot-html.jpg", jpeg_html_polyglot, None, hidden=b"<script>"),
    Case("polyglot-zip.png", png_zip_polyglot, None, hidden=b"<script>"),
    Case("html-page.jpg", html_named_as_jpeg, UnidentifiedImageError, must_refuse=True),
    Case("exif-zero-resolution.jpg", jpeg_exif_zero_resolution, None, hidden=b"Exif"),
    Case("exif-garbage.jpg", jpeg_exif_garbage, UserWarning),
    Case("exif-gps.jpg", jpeg_with_gps_exif, None, hidden="gps"),
    Case("truncated.heic", truncated_heic, ValueError),
    Case("bomb-dimensions.heic", heic_dimension_bomb, RuntimeError, must_refuse=True),
    Case("truncated.avif", truncated_avif, SyntaxError),
    Case("bomb-dimensions.avif", avif_dimension_bomb, DecompressionBombWarning, must_refuse=True),
    Case("empty.heic", empty_file, UnidentifiedImageError, must_refuse=True),
    Case("jpeg-renamed.heic", jpeg_with_gps_exif, None, hidden="gps"),
    Case("exif-gps.heic", heic_with_gps_exif, None, hidden="gps"),
]
