"""Course sources and published repositories for the package tests (real files, real publish code)."""

from __future__ import annotations

import zlib
from pathlib import Path

from server.config import ServerConfig
from server.publish import PublishResult, publish
from server.publisher_keys import ensure_key, load_private
from sync.protocol.keys import PublicKey


def write_course_source(folder: Path, course_id: str, lessons: list[bytes], documents: list[bytes] | None = None,
                        title: str = "测试课程", version: int | str = "auto") -> Path:
    """A course folder: course.toml plus one file per lesson/document with the given bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    version_line = f"version = {version}" if isinstance(version, int) else f'version = "{version}"'
    lines = [f'id = "{course_id}"', version_line, f'title = "{title}"',
             'category = "测试"', "credit_hours = 1.0", "[policy]", "max_rate = 1.5"]
    for i, data in enumerate(lessons, start=1):
        (folder / f"lesson{i}.mp4").write_bytes(data)
        lines += ["[[lessons]]", f'id = "lesson-{i}"', f'file = "lesson{i}.mp4"', f'title = "第{i}课"',
                  "duration_s = 10.0"]
    for i, data in enumerate(documents or [], start=1):
        (folder / f"doc{i}.pdf").write_bytes(data)
        lines += ["[[documents]]", f'id = "doc-{i}"', f'file = "doc{i}.pdf"', f'title = "资料{i}"']
    (folder / "course.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def publish_source(server_data: Path, src: Path) -> PublishResult:
    """Publish with the server's own code into its data folder (creating the publisher key once)."""
    config = ServerConfig(server_data).ensure()
    ensure_key(config.keys_dir)
    return publish(src, config.repo_dir, load_private(config.keys_dir))


def publish_lessons(server_data: Path, course_id: str, lessons: dict[str, float], max_rate: float = 1.5,
                    version: int | str = "auto") -> PublishResult:
    """Publish ``course_id`` with lessons of the given ids and durations (seconds) into a server's data folder."""
    src = server_data.parent / f"src-{course_id}-{version}"
    src.mkdir(parents=True, exist_ok=True)
    version_line = f"version = {version}" if isinstance(version, int) else f'version = "{version}"'
    lines = [f'id = "{course_id}"', version_line, 'title = "测试课程"', 'category = "测试"', "credit_hours = 1.0",
             "[policy]", f"max_rate = {max_rate}"]
    for i, (lesson_id, duration) in enumerate(lessons.items()):
        (src / f"{lesson_id}.mp4").write_bytes(random_bytes(256, zlib.crc32(f"{course_id}/{lesson_id}/{i}".encode())))
        lines += ["[[lessons]]", f'id = "{lesson_id}"', f'file = "{lesson_id}.mp4"', f'title = "{lesson_id}"',
                  f"duration_s = {float(duration)}"]
    (src / "course.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return publish_source(server_data, src)


def publisher_keys(server_data: Path) -> dict[str, PublicKey]:
    key = ensure_key(ServerConfig(server_data).ensure().keys_dir)
    return {key.key_id: key}


def random_bytes(n: int, seed: int) -> bytes:
    """Incompressible but reproducible bytes."""
    import random

    return random.Random(seed).randbytes(n)


def write_site(path: Path, server_url: str, keys: dict[str, PublicKey], repository: str | None = None) -> Path:
    pinned = ", ".join(f'"{k.to_text()}"' for k in keys.values())
    text = f'[server]\nurl = "{server_url}"\n\n[publisher]\nkeys = [{pinned}]\n'
    if repository:
        text += f'\n[repository]\nurl = "{repository}"\n'
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["publish_lessons", "publish_source", "publisher_keys", "random_bytes", "write_course_source", "write_site"]
