"""Video and audio as they are stored. Every upload is remuxed with PyAV (stream copy, never
re-encoded) into a new file of the same container type that holds only its playable audio
and video streams and no metadata: no location, device, dates, comments or titles at
container or stream level, no chapters, subtitles, data or timed-metadata tracks,
attachments or cover art, and no encoder version or creation time from the muxer.
Owns the container table (first bytes → the one demuxer allowed to read them), the codecs
accepted, and the kind (video or audio), read from the streams found, not from the name."""

import os
import struct
from dataclasses import dataclass, field

import av
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile

from class_pages.media.storage import DISK_FULL_MESSAGE, is_disk_full


@dataclass(frozen=True)
class Container:
    demuxer: str  # the only demuxer that reads it: untrusted bytes are never probed
    muxer: str
    extension: str
    content_type: str
    options: dict = field(default_factory=dict)


# Index at the front so phones start playing before the whole file has arrived.
MOV_OPTIONS = {"movflags": "+faststart"}
CONTAINERS = {
    "mp4": Container("mov", "mp4", "mp4", "video/mp4", MOV_OPTIONS),
    "mov": Container("mov", "mov", "mov", "video/quicktime", MOV_OPTIONS),
    "m4a": Container("mov", "ipod", "m4a", "audio/mp4", MOV_OPTIONS),
    "webm": Container("matroska", "webm", "webm", "video/webm"),
    # No ID3v2 or ID3v1 tag at all (the Xing frame stays: VBR files need it to seek).
    "mp3": Container("mp3", "mp3", "mp3", "audio/mpeg", {"id3v2_version": "0", "write_id3v1": "0"}),
    "ogg": Container("ogg", "ogg", "ogg", "audio/ogg"),
    "wav": Container("wav", "wav", "wav", "audio/wav"),
}
# Same index, no encoder version, no random ids, no creation time (mvhd/tkhd/mdhd stay 0).
BITEXACT = {"fflags": "+bitexact"}

# Recognised by their first bytes, never by their name: (test on the first 16 bytes,
# container). The order matters: every ISO file starts with "ftyp".
SIGNATURES = (
    (lambda head: head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"M4B"), "m4a"),
    (lambda head: head[4:8] == b"ftyp" and head[8:10] == b"qt", "mov"),
    (lambda head: head[4:8] == b"ftyp", "mp4"),
    (lambda head: head[:4] == b"\x1a\x45\xdf\xa3", "webm"),
    (lambda head: head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0), "mp3"),
    (lambda head: head[:4] == b"OggS", "ogg"),
    (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE", "wav"),
)
AUDIO_CONTAINERS = {"m4a", "mp3", "ogg", "wav"}

# Codecs that browsers play and whose packets and codec headers carry no free text. Not
# MJPEG, PNG or GIF: every frame of those may hold its own EXIF or text chunks.
VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1"}
AUDIO_CODECS = {
    *("aac", "mp3", "opus", "vorbis", "flac", "alac"),
    *("pcm_u8", "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_f32le"),
}
# A remux only moves packets that are in the file; more payload than the file holds means
# sample tables pointing at the same bytes again and again (a small file filling the disk).
PAYLOAD_SLACK = 1024 * 1024

DAMAGED = (av.error.FFmpegError, ValueError, OverflowError, EOFError, OSError, UnicodeError)


def refuse(message, code):
    raise ValidationError(message, code=code)


def sniff(upload):
    """(container key, provisional kind) from the first bytes, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if len(head) < 12:
        return None
    key = next((key for test, key in SIGNATURES if test(head)), None)
    return (key, "audio" if key in AUDIO_CONTAINERS else "video") if key else None


def remux(upload, key):
    """Return (kind, container, clean temporary file) for an upload whose first bytes named
    container `key`, or raise ValidationError. The copy is written to a temporary file on
    disk (the upload itself is read from its own temporary file when it has one), so a large
    video is never held in memory."""
    target = TemporaryUploadedFile("recording", "application/octet-stream", 0, None)
    try:
        kind, container = _remux_into(upload, key, target.temporary_file_path())
        target.size = os.path.getsize(target.temporary_file_path())
        target.content_type = container.content_type
    except BaseException:
        target.close()  # removes the half-written copy
        raise
    return kind, container, target


def _remux_into(upload, key, path):
    source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload
    if source is upload:
        upload.seek(0)
    try:
        with av.open(source, "r", format=CONTAINERS[key].demuxer, metadata_errors="ignore") as src:
            kept, kind = _streams_to_keep(src)
            if key == "m4a" and kind == "video":
                key = "mp4"  # a real video track: store it as the video it is
            container = CONTAINERS[key]
            _copy(src, kept, path, container, budget=upload.size + PAYLOAD_SLACK)
    except ValidationError:
        raise
    except DAMAGED as error:
        if is_disk_full(error):
            refuse(DISK_FULL_MESSAGE, "disk_full")
        if isinstance(error, av.error.InvalidDataError | av.error.DemuxerNotFoundError):
            _refuse_unplayable()
        refuse(
            "This recording is damaged or incomplete. Save it again on your device and upload "
            "the new copy.",
            "damaged_recording",
        )
    return kind, container


def _refuse_unplayable():
    refuse(
        "This is not a video or audio file we can play. Upload MP4, MOV or WebM video, "
        "or MP3, M4A, OGG or WAV audio.",
        "invalid_recording",
    )


def _codec(stream):
    try:
        return stream.codec_context.codec.canonical_name
    except (AttributeError, av.error.FFmpegError, ValueError):
        return None  # a codec this build does not know: never copied


def _streams_to_keep(src):
    """The streams worth keeping and the kind they make. Cover art (an "attached picture"
    video stream), subtitles, data, timed metadata and attachments are left behind; so is
    an extra audio track in a codec we do not play (spatial audio beside the AAC track)."""
    pictures = [
        s for s in src.streams.video if not s.disposition & av.stream.Disposition.attached_pic
    ]
    sounds = list(src.streams.audio)
    video = [s for s in pictures if _codec(s) in VIDEO_CODECS]
    audio = [s for s in sounds if _codec(s) in AUDIO_CODECS]
    if not pictures and not sounds:
        refuse(
            "This file holds no video or audio that we can find. Upload the recording "
            "itself (MP4, MOV or WebM video, or MP3, M4A, OGG or WAV audio).",
            "empty_recording",
        )
    if (pictures and not video) or not (video or audio):
        names = sorted({_codec(s) or "unknown" for s in pictures or sounds})
        refuse(
            f"This recording is in a format phones and browsers cannot play ({', '.join(names)})."
            " Save it as MP4 (H.264 video, AAC sound) and upload it again.",
            "unsupported_codec",
        )
    return video + audio, "video" if video else "audio"


def _copy(src, kept, path, container, budget):
    out = av.open(
        path, "w", format=container.muxer, container_options={**container.options, **BITEXACT}
    )
    finished = False
    try:
        targets = {}
        for stream in kept:
            try:
                target = out.add_stream_from_template(stream)
            except ValueError:  # e.g. H.264 in a Matroska file that calls itself WebM
                refuse(
                    f"This recording's {stream.type} ({_codec(stream)}) cannot be kept in a "
                    f"{container.extension.upper()} file. Save it as MP4 (H.264 video, AAC "
                    "sound) and upload it again.",
                    "unsupported_codec",
                )
            # Templates copy no metadata today; cleared so a PyAV change cannot bring it in.
            target.metadata.clear()
            if _codec(stream) == "vorbis":
                # Vorbis keeps its comment header inside the codec header; WebM would copy it.
                target.codec_context.extradata = _vorbis_without_comments(
                    stream.codec_context.extradata
                )
            targets[stream.index] = target
        payload = packets = 0
        for packet in src.demux(kept):
            if packet.dts is None or packet.size == 0:
                continue  # the demuxer's end-of-stream markers
            payload += packet.size
            if payload > budget:
                refuse(
                    "This recording is damaged: it claims to hold more than the file does.",
                    "damaged_recording",
                )
            packet.stream = targets[packet.stream.index]
            out.mux(packet)
            packets += 1
        if not packets:
            refuse(
                "This recording holds no sound or picture. Save it again on your device and "
                "upload the new copy.",
                "empty_recording",
            )
        finished = True
    finally:
        try:
            out.close()  # writes the index (and, for MP4, moves it to the front)
        except DAMAGED:
            if finished:
                raise
            # Already failing: the first error is the one to report; the file is discarded.


def _vorbis_without_comments(extradata):
    """Vorbis codec headers (identification, comment, setup; Xiph-laced) with an empty
    comment header: no vendor string, no tags."""
    data = bytes(extradata or b"")
    if len(data) < 3 or data[0] != 2:
        raise ValueError("Vorbis headers are not Xiph-laced")
    sizes, index = [], 1
    for _ in range(2):
        size = 0
        while index < len(data) and data[index] == 255:
            size += 255
            index += 1
        if index >= len(data):
            raise ValueError("Vorbis headers are truncated")
        sizes.append(size + data[index])
        index += 1
    identification = data[index : index + sizes[0]]
    setup = data[index + sizes[0] + sizes[1] :]
    if not identification.startswith(b"\x01vorbis") or not setup.startswith(b"\x05vorbis"):
        raise ValueError("Vorbis headers are damaged")
    comment = b"\x03vorbis" + struct.pack("<II", 0, 0) + b"\x01"  # vendor "", 0 tags, framing
    lacing = b"\x02" + _xiph_size(len(identification)) + _xiph_size(len(comment))
    return lacing + identification + comment + setup


def _xiph_size(size):
    return b"\xff" * (size // 255) + bytes([size % 255])
