"""Real media files for the player tests, made with ffmpeg and cached per test session.

``MediaFactory.clip(seconds)`` gives a small H.264/AAC MP4 (160x120, a test pattern and a
tone); ``corrupt()`` a file that is not a video at all; ``truncated()`` a clip cut short;
``subtitles_only()`` a valid file with nothing playable; ``audio_only(seconds)`` an M4A. Files
are made once per test run (fixture ``media`` in tests/support/fixtures.py), in a folder the
parallel workers share: each file appears there whole (written aside, then renamed), and two
workers making the same file at once both write identical bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


class MediaFactory:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _ffmpeg(self, out: Path, *args: str) -> Path:
        if out.exists():
            return out
        if shutil.which("ffmpeg") is None:
            pytest.skip("ffmpeg is not installed (Debian package ffmpeg; ./run setup installs it)")
        tmp = out.with_name(f"{out.stem}.part{os.getpid()}{out.suffix}")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, str(tmp)],
                       check=True, timeout=120)
        os.replace(tmp, out)
        return out

    @staticmethod
    def _write(out: Path, data: bytes) -> Path:
        tmp = out.with_name(f"{out.name}.part{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, out)
        return out

    def clip(self, seconds: float = 5.0, size: str = "160x120") -> Path:
        """An MP4 with video and audio, exactly ``seconds`` long."""
        out = self.folder / f"clip-{seconds:g}s-{size}.mp4"
        return self._ffmpeg(
            out,
            "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=22050:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "32k", "-shortest",
        )

    def audio_only(self, seconds: float = 3.0) -> Path:
        out = self.folder / f"tone-{seconds:g}s.m4a"
        return self._ffmpeg(out, "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac")

    def subtitles_only(self) -> Path:
        """A valid Matroska file with nothing to play: one subtitle track, no audio, no video."""
        out = self.folder / "subtitles-only.mkv"
        srt = self.folder / "subtitles.srt"
        if not srt.exists():
            self._write(srt, b"1\n00:00:00,000 --> 00:00:04,000\nhello\n")
        return self._ffmpeg(out, "-i", str(srt), "-c:s", "srt")

    def corrupt(self) -> Path:
        """Bytes that no demuxer accepts, named like a lesson video."""
        out = self.folder / "corrupt.mp4"
        if not out.exists():
            self._write(out, bytes((i * 7919 + 13) % 251 for i in range(64 * 1024)))
        return out

    def cut_short(self, seconds: float = 5.0, keep: float = 0.5) -> Path:
        """A clip with its index first (faststart) and only the first ``keep`` of its bytes: it
        parses with the full duration, then ends early, like a copy cut short on disk."""
        whole = self._ffmpeg(
            self.folder / f"faststart-{seconds:g}s.mp4",
            "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=22050:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "32k", "-shortest", "-movflags", "+faststart",
        )
        out = self.folder / f"cut-short-{seconds:g}s-{keep:g}.mp4"
        if not out.exists():
            data = whole.read_bytes()
            self._write(out, data[: int(len(data) * keep)])
        return out

    def truncated(self, seconds: float = 5.0) -> Path:
        """The first 2 KiB of a real clip: a download cut short."""
        out = self.folder / "truncated.mp4"
        if not out.exists():
            self._write(out, self.clip(seconds).read_bytes()[:2048])
        return out
