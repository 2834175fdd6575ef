"""Which parts of VLC 3 go into the frozen app, for the PyInstaller spec (Linux and Windows).

Only the plugins a course player needs: local files and http(s) input, the usual containers
and codecs (H.264/AAC MP4, MKV, AVI, WMV/ASF, MPEG, FLV via avformat), X11/XCB and OpenGL video
out (Direct3D/DirectDraw on Windows), PulseAudio/ALSA (WASAPI/DirectSound on Windows) audio out,
the dummy outputs for headless checks, chroma converters, audio filters (scaletempo keeps the
pitch at 1.25x-2x), packetizers and the XML/log helpers. Used by installer/studydesk.spec and
installer/build; imports nothing from the app.
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

LINUX_VLC_DIR = Path("/usr/lib/x86_64-linux-gnu/vlc")

# plugin folder -> name patterns (without the lib prefix and the .so/.dll suffix); "*" = the whole folder
PLUGINS: dict[str, tuple[str, ...]] = {
    "access": ("filesystem", "http", "https", "idummy", "imem", "attachment", "tcp", "access_concat"),
    "demux": ("mp4", "mkv", "avi", "asf", "ogg", "ps", "ts", "es", "h26x", "mpgv", "wav", "avformat",
              "rawvid", "rawaud", "image", "subtitle", "playlist", "directory_demux", "noseek", "demuxdump"),
    "codec": ("avcodec", "mpg123", "faad", "flac", "vorbis", "opus", "theora", "lpcm", "araw", "adpcm",
              "g711", "rawvideo", "subsdec", "substx3g", "subsusf", "webvtt", "spudec", "cc", "ddummy",
              "edummy", "jpeg", "png", "a52", "dts", "dav1d"),
    "packetizer": ("*",),
    "video_output": ("vdummy", "vmem", "xcb_x11", "xcb_window", "xcb_xv", "gl", "glx", "egl_x11", "yuv",
                     "direct3d9", "direct3d11", "directdraw", "glwin32", "wgl", "wingdi", "drawable"),
    "audio_output": ("adummy", "amem", "afile", "alsa", "pulse", "mmdevice", "directsound", "waveout",
                     "wasapi"),
    "video_chroma": ("*",),
    "audio_filter": ("*",),
    "audio_mixer": ("*",),
    "stream_filter": ("*",),
    "misc": ("xml", "logger", "gnutls", "xdg_screensaver", "dbus_screensaver", "stats", "inhibit"),
    "video_filter": ("deinterlace", "adjust", "transform", "postproc", "hqdn3d"),
    "text_renderer": ("freetype", "tdummy"),
    "logger": ("*",),
    "keystore": ("memory",),
}
# Helper libraries the Linux plugins link (their RUNPATH points at the system VLC folder, so
# they must sit in the bundle's library path instead).
LINUX_HELPERS = ("libvlc_xcb_events.so.0", "libvlc_pulse.so.0")


def _plugin_name(file_name: str) -> str | None:
    for suffix in ("_plugin.so", "_plugin.dll"):
        if file_name.endswith(suffix) and file_name.startswith("lib"):
            return file_name[3 : -len(suffix)]
    return None


def selected_plugins(plugin_root: Path) -> list[Path]:
    """The plugin files under ``plugin_root`` that the app needs (sorted)."""
    chosen: list[Path] = []
    for folder, patterns in PLUGINS.items():
        base = plugin_root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.iterdir()):
            name = _plugin_name(path.name)
            if name is not None and any(fnmatch.fnmatch(name, pat) for pat in patterns):
                chosen.append(path)
    return chosen


def vlc_dir() -> Path:
    """The VLC installation to take libvlc and plugins from (Windows: a VLC 3 folder copied in)."""
    if sys.platform == "win32":
        return Path(__file__).resolve().parent / "windows" / "vlc"
    return LINUX_VLC_DIR


def plugin_datas() -> list[tuple[str, str]]:
    """(source file, folder inside the bundle) pairs for PyInstaller's ``datas``."""
    root = vlc_dir() / "plugins"
    files = selected_plugins(root)
    if not files:
        raise SystemExit(f"no VLC plugins found under {root}: install VLC 3 (see README, 'Installing at a site')")
    return [(str(p), f"vlc/plugins/{p.parent.name}") for p in files]


def library_binaries() -> list[tuple[str, str]]:
    """libvlc itself where PyInstaller does not find it, and the plugin helper libraries."""
    base = vlc_dir()
    if sys.platform == "win32":
        return [(str(base / n), ".") for n in ("libvlc.dll", "libvlccore.dll") if (base / n).exists()]
    return [(str(base / n), ".") for n in LINUX_HELPERS if (base / n).exists()]
