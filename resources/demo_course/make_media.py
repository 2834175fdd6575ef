"""Regenerate the demo course's media (run once; the outputs are committed).

    python resources/demo_course/make_media.py

Lessons: 320x240 H.264 clips with the lesson title burned in (WenQuanYi Micro Hei) and a
tone on the audio. The handout: one A4 page rendered by ffmpeg as a JPEG and wrapped in a
minimal, valid PDF (one page, one DCT-encoded image), so it shows real Chinese text
without embedding a font.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SUBTITLE = "学习贯彻党的基本理论专题"
LESSONS = [
    ("lesson1.mp4", "第一课 理论学习的意义", 24, 440, "0x1f4e79"),
    ("lesson2.mp4", "第二课 联系实际 学以致用", 30, 523, "0x7a1f1f"),
    ("lesson3.mp4", "第三课 基层工作方法", 36, 659, "0x1f5e3a"),
]
HANDOUT_LINES = [
    "学习贯彻党的基本理论专题 · 学习资料",
    "",
    "一、学习目标：理解理论学习的意义，掌握联系实际的方法。",
    "二、学习安排：三节视频课程，每节学完后完成随堂测验。",
    "三、学时认定：按实际观看时长计算，完成率达到百分之九十即为学完。",
    "四、注意事项：不可快进跳过，倍速不超过一点五倍。",
    "",
    "StudyDesk demo handout (demo content for testing only)",
]


def _text(t: str) -> str:
    return t.replace(":", r"\:").replace("'", r"\'")


def make_lesson(name: str, title: str, seconds: int, freq: int, color: str) -> None:
    vf = ",".join([
        f"drawtext=fontfile={FONT}:text='{_text(title)}':fontcolor=white:fontsize=22:x=(w-text_w)/2:y=80",
        f"drawtext=fontfile={FONT}:text='{SUBTITLE}':fontcolor=white:fontsize=16:x=(w-text_w)/2:y=130",
        f"drawtext=fontfile={FONT}:text='%{{eif\\:t\\:d}} s':fontcolor=yellow:fontsize=14:x=(w-text_w)/2:y=190",
    ])
    subprocess.run([
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"color=c={color}:s=320x240:r=10:d={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=22050:duration={seconds}",
        "-vf", vf, "-c:v", "libx264", "-preset", "veryslow", "-crf", "34", "-pix_fmt", "yuv420p", "-g", "50",
        "-c:a", "aac", "-b:a", "24k", "-ac", "1", "-movflags", "+faststart", "-shortest", str(HERE / name),
    ], check=True)


def make_handout(name: str = "handout.pdf") -> None:
    width, height = 1190, 1684  # A4 at 144 dpi
    draws = [
        f"drawtext=fontfile={FONT}:text='{_text(line)}':fontcolor=black:fontsize={40 if i == 0 else 30}"
        f":x=100:y={160 + i * 70}"
        for i, line in enumerate(HANDOUT_LINES) if line
    ]
    with tempfile.TemporaryDirectory() as tmp:
        jpg = Path(tmp) / "page.jpg"
        subprocess.run([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
            "-i", f"color=c=white:s={width}x{height}:d=1", "-vf", ",".join(draws),
            "-frames:v", "1", "-q:v", "6", str(jpg),
        ], check=True)
        (HERE / name).write_bytes(jpeg_pdf(jpg.read_bytes(), width, height))


def jpeg_pdf(jpeg: bytes, px_w: int, px_h: int) -> bytes:
    """A one-page PDF (A4) showing one JPEG image full page."""
    pt_w, pt_h = 595, 842
    content = f"q {pt_w} 0 0 {pt_h} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pt_w} {pt_h}] "
        f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {px_w} /Height {px_h} /ColorSpace /DeviceRGB "
        f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(jpeg)} >>\nstream\n".encode() + jpeg + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        b"<< /Title (StudyDesk demo handout) /Producer (make_media.py) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


if __name__ == "__main__":
    for lesson in LESSONS:
        make_lesson(*lesson)
    make_handout()
