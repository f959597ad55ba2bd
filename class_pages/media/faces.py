"""Face detection (never recognition), on this server, with the Haar cascade that the
opencv-python-headless 4.x wheel ships. It counts faces; it never tells who they are.
Images are counted once, when saved; the moderation check reads the stored count."""

import functools

import numpy as np
from PIL import Image, ImageOps

MAX_SIDE = 640  # detection runs on a downscaled copy: fast, and enough for faces


@functools.cache
def _detector():
    import cv2

    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    detector = cv2.CascadeClassifier(path)
    if detector.empty():
        raise RuntimeError(f"Face detector model missing: {path}")
    return detector


def count_faces(file):
    """Number of faces in an image file (path or file object)."""
    with Image.open(file) as picture:
        picture.draft("L", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at reduced scale, far faster
        picture = ImageOps.exif_transpose(picture).convert("L")
        picture.thumbnail((MAX_SIDE, MAX_SIDE))
        pixels = np.asarray(picture)
    min_side = max(24, min(pixels.shape) // 20)
    faces = _detector().detectMultiScale(
        pixels, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side)
    )
    return len(faces)


def remember_face_count(image):
    """Count the faces of a stored image and keep the figure on it. An unreadable file
    leaves it unknown (None), which the consent check reports to the leader."""
    try:
        with image.open_file() as handle:
            faces = count_faces(handle)
    except (OSError, ValueError, SyntaxError):
        return None
    type(image).objects.filter(pk=image.pk).update(detected_faces=faces)
    image.detected_faces = faces
    return faces
