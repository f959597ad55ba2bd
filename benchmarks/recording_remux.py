"""What stripping a recording's metadata costs on upload (class_pages.media.recordings): the
remux time and the bytes before and after for a 10 s phone-like clip (1280x720 H.264 at a
phone's bitrate + AAC, tagged like a phone's), and for one long file near the video limit,
the time and how much the process memory grew (the copy is streamed from file to file,
never held in memory).
Not part of `python -m benchmarks`; on its own:

    .venv/bin/python -m benchmarks.recording_remux [--repeat 5] [--long-mb 300]
"""

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--long-mb", type=int, default=300)
    args = parser.parse_args()
    settings.configure()  # only uploaded-file defaults are needed
    django.setup()

    from class_pages.media import recordings

    # The long file first, so the peak memory before it is the bare process.
    long_upload = _long_wav(args.long_mb)
    before_rss = _max_rss_mb()
    started = time.perf_counter()
    _, _, clean = recordings.remux(long_upload, "wav")
    elapsed = time.perf_counter() - started
    print(
        f"{long_upload.size / 1e6:.0f} MB WAV (read from its temporary file): remux "
        f"{elapsed:.2f} s ({long_upload.size / 1e6 / elapsed:.0f} MB/s), "
        f"{long_upload.size:,} -> {clean.size:,} bytes; peak process memory "
        f"{before_rss:.0f} MB before, {_max_rss_mb():.0f} MB after"
    )
    clean.close()
    long_upload.close()

    clip = _phone_clip()
    upload = _upload(clip, "clip.mp4")
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        _, _, clean = recordings.remux(upload, "mp4")
        times.append(time.perf_counter() - started)
        after = clean.size
        clean.close()
    print(
        f"10 s 1280x720 H.264 (17 Mbit/s, as phones record) + AAC MP4 with phone tags: "
        f"{len(clip):,} -> {after:,} bytes; remux median {statistics.median(times) * 1000:.0f}"
        f" ms over {args.repeat} runs (min {min(times) * 1000:.0f} ms)"
    )


def _phone_clip():
    """10 s at 1280x720, 25 fps, about 17 Mbit/s (noise, so the bitrate is reached)."""
    from tests.class_pages import recording_files as made

    def build(out):
        video = made.video_stream(out, size=(1280, 720))
        video.codec_context.bit_rate = 17_000_000
        video.codec_context.options = {"preset": "ultrafast"}
        audio = made.audio_stream(out, "aac")
        out.metadata.update(made.TAGS)
        made.encode_video(out, video, seconds=10, noisy=True)
        made.encode_audio(out, audio, seconds=10)

    return made.write("mp4", build, {"movflags": "use_metadata_tags"})


def _upload(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _long_wav(megabytes):
    """A PCM WAV of about `megabytes` MB in a TemporaryUploadedFile, as a large upload
    arrives (written in chunks: never in memory as a whole)."""
    import av
    import numpy as np
    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile("long.wav", "audio/wav", 0, None)
    path = Path(upload.temporary_file_path())
    seconds = megabytes * 1e6 / (48000 * 2 * 2)
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=48000, layout="stereo")
        samples = 48000
        tone = (np.arange(samples * 2, dtype=np.int16) % 500).reshape(1, -1)
        for second in range(int(seconds)):
            frame = av.AudioFrame.from_ndarray(tone, format="s16", layout="stereo")
            frame.sample_rate, frame.pts = 48000, second * samples
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    upload.size = path.stat().st_size
    return upload


def _max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
