"""Recordings as phones and recorders write them, made with PyAV inside the tests: real
video and audio carrying a location, the device, a comment, a title and a date in every
place the format keeps them (container and stream tags, chapters, subtitle, timecode and
attachment tracks, cover art, Vorbis comment headers). Each file is made once per test
process (the same bytes every time; encoding a clip again cost up to seconds)."""

import fractions
import functools
import io
import struct
import tempfile
from pathlib import Path

import av
import numpy as np
from PIL import Image, PngImagePlugin

LOCATION = "+51.5074-000.1278/"
COMMENT = "Filmed-at-7-Oak-Lane-c0ffee"
DEVICE = "AcmePhone 15 Pro"
TITLE = "Amira-at-home"
# What must never be found in a stored or served file.
MARKERS = (LOCATION, "+51.5074", COMMENT, DEVICE, TITLE, "2024-05-06")

TAGS = {
    "location": LOCATION,
    "location-eng": LOCATION,
    "com.apple.quicktime.location.ISO6709": LOCATION,
    "com.apple.quicktime.make": "AcmePhone",
    "com.apple.quicktime.model": DEVICE,
    "make": "AcmePhone",
    "model": DEVICE,
    "comment": COMMENT,
    "title": TITLE,
    "artist": DEVICE,
    "creation_time": "2024-05-06T07:08:09.000000Z",
}
STREAM_TAGS = {"comment": COMMENT, "title": TITLE, "handler_name": DEVICE}
CHAPTERS = [
    {
        "id": 1,
        "start": 0,
        "end": 10,
        "time_base": fractions.Fraction(1, 10),
        "metadata": {"title": f"{TITLE} {COMMENT}"},
    }
]


def write(muxer, build, options=None):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "made"
        with av.open(str(path), "w", format=muxer, container_options=options or {}) as out:
            build(out)
        return path.read_bytes()


def video_stream(out, codec="libx264", size=(64, 48)):
    stream = out.add_stream(codec, rate=25)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    return stream


def audio_stream(out, codec, rate=48000):
    return out.add_stream(codec, rate=rate)


def encode_video(out, stream, seconds=1, noisy=False):
    generator = np.random.default_rng(7)
    for index in range(int(25 * seconds)):
        shape = (stream.height, stream.width, 3)
        pixels = (
            generator.integers(0, 255, shape, dtype=np.uint8)
            if noisy
            else np.full(shape, index * 9 % 255, np.uint8)
        )
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def encode_audio(out, stream, seconds=1):
    context = stream.codec_context
    size = context.frame_size or 1024
    total = int(context.sample_rate * seconds)
    for start in range(0, total, size):
        frame = av.AudioFrame(format=context.format.name, layout=context.layout.name, samples=size)
        for plane in frame.planes:
            # A quiet tone, not silence: silent frames compress to almost nothing.
            plane.update((np.arange(plane.buffer_size) % 7).astype(np.uint8).tobytes())
        frame.sample_rate = context.sample_rate
        frame.pts = start
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def _tagged(out, *streams):
    out.metadata.update(TAGS)
    for stream in streams:
        stream.metadata.update(STREAM_TAGS)


def _cover(out, codec="png"):
    """Cover art (an attached picture) whose PNG holds a text chunk with the comment."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", COMMENT)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 0, 0)).save(buffer, "PNG", pnginfo=info)
    stream = out.add_stream(codec)
    stream.width = stream.height = 16
    stream.pix_fmt = "rgb24"
    stream.disposition = av.stream.Disposition.attached_pic
    stream.metadata.update({"title": TITLE, "comment": COMMENT})
    return stream, buffer.getvalue()


def _mux_cover(out, stream, data):
    packet = av.Packet(data)
    packet.stream = stream
    packet.pts = packet.dts = 0
    packet.time_base = fractions.Fraction(1, 90000)
    out.mux(packet)


@functools.cache
def phone_mp4():
    """H.264 + AAC with Apple-style location keys, device, comment, title, date, chapters."""

    def build(out):
        video, audio = video_stream(out), audio_stream(out, "aac")
        _tagged(out, video, audio)
        out.set_chapters(CHAPTERS)
        encode_video(out, video)
        encode_audio(out, audio)

    return write("mp4", build, {"movflags": "use_metadata_tags"})


@functools.cache
def phone_mov():
    """As phone_mp4, in QuickTime, plus a timecode data track (tmcd) and chapter text."""

    def build(out):
        out.metadata["timecode"] = "07:08:09:00"
        video, audio = video_stream(out), audio_stream(out, "aac")
        _tagged(out, video, audio)
        out.set_chapters(CHAPTERS)
        encode_video(out, video)
        encode_audio(out, audio)

    return write("mov", build, {"movflags": "use_metadata_tags"})


@functools.cache
def voice_m4a():
    """AAC in M4A (iTunes tags: title, comment, artist) with cover art."""

    def build(out):
        audio = audio_stream(out, "aac")
        _tagged(out, audio)
        cover, data = _cover(out)
        _mux_cover(out, cover, data)
        encode_audio(out, audio)

    # The MP4 muxer with the M4A brand: FFmpeg's own M4A muxer takes no cover art.
    return write("mp4", build, {"brand": "M4A "})


@functools.cache
def tagged_mp3():
    """MP3 with ID3v2 (title, artist, comment, date, APIC cover art) and ID3v1 tags."""

    def build(out):
        audio = audio_stream(out, "libmp3lame", rate=44100)
        _tagged(out, audio)
        cover, data = _cover(out)
        _mux_cover(out, cover, data)
        encode_audio(out, audio)

    return write("mp3", build, {"write_id3v1": "1"})


@functools.cache
def tagged_ogg():
    """Opus in Ogg with Vorbis comments."""

    def build(out):
        audio = audio_stream(out, "libopus")
        _tagged(out, audio)
        encode_audio(out, audio)

    return write("ogg", build)


@functools.cache
def tagged_wav(seconds=1):
    """PCM WAV with a LIST/INFO chunk (INAM, IART, ICMT, ICRD)."""

    def build(out):
        audio = audio_stream(out, "pcm_s16le")
        _tagged(out, audio)
        encode_audio(out, audio, seconds)

    return write("wav", build)


@functools.cache
def tagged_webm():
    """VP8 + Opus in WebM with container and track tags."""

    def build(out):
        video, audio = video_stream(out, "libvpx"), audio_stream(out, "libopus")
        _tagged(out, video, audio)
        encode_video(out, video)
        encode_audio(out, audio)

    return write("webm", build)


@functools.cache
def loaded_matroska():
    """What a .webm may really be: Matroska with a subtitle naming the child's address, a
    text attachment, chapters and tags beside the VP8 video."""
    with tempfile.TemporaryDirectory() as folder:
        subtitles = Path(folder) / "s.srt"
        subtitles.write_text(f"1\n00:00:00,000 --> 00:00:00,800\nAmira at {COMMENT}\n\n")
        with av.open(str(subtitles)) as source:
            packets = [packet for packet in source.demux() if packet.dts is not None]

            def build(out):
                video = video_stream(out, "libvpx")
                subtitle = out.add_stream_from_template(source.streams[0])
                out.add_attachment("notes.txt", "text/plain", f"{TITLE} {COMMENT}".encode())
                _tagged(out, video)
                out.set_chapters(CHAPTERS)
                for packet in packets:
                    packet.stream = subtitle
                    out.mux(packet)
                encode_video(out, video)

            return write("matroska", build)


@functools.cache
def vorbis_webm_with_comment_header():
    """Vorbis in WebM whose codec header (CodecPrivate) holds a Vorbis comment header with
    the device as vendor and the location and comment as tags: WebM muxers copy it."""

    def build(out):
        audio = out.add_stream("vorbis", rate=44100)
        audio.codec_context.options = {"strict": "-2"}  # FFmpeg's own encoder is experimental
        encode_audio(out, audio)

    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "plain.webm"
        plain.write_bytes(write("webm", build))
        with av.open(str(plain)) as source:
            stream = source.streams.audio[0]
            headers = _xiph_split(bytes(stream.codec_context.extradata))
            comments = [f"LOCATION={LOCATION}".encode(), f"COMMENT={COMMENT}".encode()]
            vendor = DEVICE.encode()
            comment_header = (
                b"\x03vorbis"
                + struct.pack("<I", len(vendor))
                + vendor
                + struct.pack("<I", len(comments))
                + b"".join(struct.pack("<I", len(item)) + item for item in comments)
                + b"\x01"
            )
            packets = [packet for packet in source.demux(stream) if packet.dts is not None]

            def copy(out):
                target = out.add_stream_from_template(stream)
                target.codec_context.extradata = _xiph_join(
                    [headers[0], comment_header, headers[2]]
                )
                for packet in packets:
                    packet.stream = target
                    out.mux(packet)

            return write("webm", copy)


def _xiph_split(data):
    count, sizes, index = data[0] + 1, [], 1
    for _ in range(count - 1):
        size = 0
        while data[index] == 255:
            size += 255
            index += 1
        sizes.append(size + data[index])
        index += 1
    parts = []
    for size in sizes:
        parts.append(data[index : index + size])
        index += size
    return [*parts, data[index:]]


def _xiph_join(parts):
    lacing = bytearray([len(parts) - 1])
    for part in parts[:-1]:
        lacing += b"\xff" * (len(part) // 255) + bytes([len(part) % 255])
    return bytes(lacing) + b"".join(parts)


@functools.cache
def noisy_mp4(seconds=10, size=(640, 360)):
    """A larger clip (noise does not compress), for timing and disk-full tests."""

    def build(out):
        video, audio = video_stream(out, size=size), audio_stream(out, "aac")
        _tagged(out, video, audio)
        encode_video(out, video, seconds, noisy=True)
        encode_audio(out, audio, seconds)

    return write("mp4", build, {"movflags": "use_metadata_tags"})


def describe(data):
    """What a player finds in a file: format, metadata, streams, chapters, duration and
    the number of frames each kept stream decodes to."""
    with av.open(io.BytesIO(data), metadata_errors="ignore") as container:
        streams = [
            {
                "type": stream.type,
                "codec": stream.codec_context.codec.canonical_name
                if stream.type in ("audio", "video")
                else None,
                "metadata": dict(stream.metadata),
                "attached_pic": bool(stream.disposition & av.stream.Disposition.attached_pic),
            }
            for stream in container.streams
        ]
        playable = [
            stream
            for stream in container.streams
            if stream.type in ("audio", "video")
            and not stream.disposition & av.stream.Disposition.attached_pic
        ]
        frames = {stream.index: 0 for stream in playable}
        for packet in container.demux(playable):
            frames[packet.stream.index] += len(packet.decode())
        return {
            "format": container.format.name,
            "metadata": dict(container.metadata),
            "streams": streams,
            "chapters": list(container.chapters()),
            "duration": (container.duration or 0) / av.time_base,
            "frames": sorted(frames.values()),
        }
