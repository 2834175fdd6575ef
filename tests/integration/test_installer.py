"""The installer pipeline, for real: one `installer/build` (kept until its inputs change), then the
frozen app's self-check, the .deb's contents, an install/run/remove cycle with dpkg (root only),
and the Windows installer script compiled by makensis over the frozen folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.installer_cache import cached_build

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = ROOT / "installer" / "site.example.toml"
pytestmark = pytest.mark.slow

sys.path.insert(0, str(ROOT / "installer"))
import nsis  # noqa: E402  (installer/nsis.py)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYDESK_", "VLC_", "PYTHON_VLC"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@pytest.fixture(scope="module")
def build() -> Path:
    """installer/build's output folder, kept until its inputs change (tests/support/installer_cache.py):
    read it, write nothing into it."""
    if not shutil.which("dpkg-deb"):
        pytest.skip("dpkg-deb is not installed")
    # none: the same contents, uncompressed (compressing them is most of the .deb step's CPU);
    # xz (the default) is for release and bench/installer
    return cached_build(["--compression", "none"])


@pytest.fixture(scope="module")
def deb_file(build: Path) -> Path:
    debs = sorted(build.glob("studydesk_*_amd64.deb"))
    assert len(debs) == 1, debs
    return debs[0]


def test_frozen_self_check_finds_every_part_without_any_environment(build: Path) -> None:
    app = build / "studydesk" / "studydesk"
    done = subprocess.run([str(app), "--self-check", "--site", str(EXAMPLE_SITE)], capture_output=True, text=True,
                          env={**_clean_env(), "STUDYDESK_LANG": "en"}, timeout=120)  # the report in English
    assert done.returncode == 0, done.stdout + done.stderr
    bundled_plugins = build / "studydesk" / "_internal" / "vlc" / "plugins"
    assert f"plugins {bundled_plugins}" in done.stdout
    assert f"from {build / 'studydesk' / '_internal'}," in done.stdout  # libvlccore from the bundle, not the system
    assert "studydesk_zh_CN.qm" in done.stdout
    assert (build / "studydesk" / "_internal" / "translations" / "qtbase_zh_CN.qm").is_file()  # Qt's own dialogs
    assert "Self-check passed" in done.stdout


def test_frozen_self_check_fails_with_a_reason(build: Path, tmp_path: Path) -> None:
    app = build / "studydesk" / "studydesk"
    done = subprocess.run([str(app), "--self-check", "--site", str(tmp_path / "absent.toml")], capture_output=True,
                          text=True, env={**_clean_env(), "STUDYDESK_LANG": "en"}, timeout=120)
    assert done.returncode == 1
    assert "[FAIL] Site file: site_missing" in done.stdout


def test_frozen_app_opens_its_window(build: Path, tmp_path: Path) -> None:
    """The whole app (every window module, styles, icons) is in the bundle: the first window appears."""
    env = {**_clean_env(), "STUDYDESK_STARTUP_MARK": "1", "HOME": str(tmp_path)}
    cmd = [str(build / "studydesk" / "studydesk"), "--data", str(tmp_path / "data"), "--site", str(EXAMPLE_SITE)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        shown = next((line for line in proc.stdout if line.startswith("STUDYDESK_FIRST_SHOWN")), None)
        assert shown is not None, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_bundle_carries_only_the_needed_vlc_plugins(build: Path) -> None:
    plugins = build / "studydesk" / "_internal" / "vlc" / "plugins"
    names = {p.name for p in plugins.rglob("*.so")}
    assert {"libavcodec_plugin.so", "libmp4_plugin.so", "libxcb_x11_plugin.so", "libvdummy_plugin.so",
            "libpulse_plugin.so", "libscaletempo_plugin.so"} <= names
    assert "liblua_plugin.so" not in names and "libqt_plugin.so" not in names
    assert (plugins / "plugins.dat").is_file() or not Path("/usr/lib/x86_64-linux-gnu/vlc/vlc-cache-gen").exists()


def test_deb_metadata_and_contents(deb_file: Path, tmp_path: Path) -> None:
    fields = subprocess.run(["dpkg-deb", "-f", str(deb_file)], capture_output=True, text=True, check=True).stdout
    depends = next(line for line in fields.splitlines() if line.startswith("Depends:"))
    for needed in ("libavcodec", "libxcb1", "libc6", "fonts-wqy-microhei | fonts-noto-cjk"):
        assert needed in depends
    listing = subprocess.run(["dpkg-deb", "-c", str(deb_file)], capture_output=True, text=True, check=True).stdout
    for path in ("./opt/studydesk/studydesk", "./usr/bin/studydesk", "./usr/share/applications/studydesk.desktop",
                 "./usr/share/icons/hicolor/scalable/apps/studydesk.svg",
                 "./usr/share/icons/hicolor/256x256/apps/studydesk.png", "./etc/studydesk/site.toml"):
        assert f" {path}" in listing, path
    assert "root/root" in listing and " 1000/" not in listing
    with_control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(deb_file), str(with_control)], check=True)
    assert (with_control / "conffiles").read_text() == "/etc/studydesk/site.toml\n"
    extracted = tmp_path / "tree"
    subprocess.run(["dpkg-deb", "-x", str(deb_file), str(extracted)], check=True)
    desktop = (extracted / "usr/share/applications/studydesk.desktop").read_text(encoding="utf-8")
    assert "Name[zh_CN]=学习桌" in desktop and "Icon=studydesk" in desktop
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(extracted / "usr/share/applications/studydesk.desktop")],
                       check=True)


def _installed() -> bool:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "studydesk"], capture_output=True, text=True)
    return "install ok installed" in done.stdout or "config-files" in done.stdout


@pytest.fixture
def dpkg_machine() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root (CI runs as root)")
    if not shutil.which("dpkg"):
        pytest.skip("dpkg is not available")
    if _installed():
        pytest.skip("a studydesk package is already installed on this machine: not touching it")
    try:
        yield
    finally:  # leave the machine as it was, also when the test failed half-way
        subprocess.run(["dpkg", "--purge", "studydesk"], capture_output=True)


def test_deb_installs_runs_and_removes_leaving_data(deb_file: Path, dpkg_machine: None, tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = home / ".local" / "share" / "studydesk" / "profiles" / "alice"
    data.mkdir(parents=True)
    (data / "profile.sqlite3").write_bytes(b"alice's progress")
    subprocess.run(["dpkg", "-i", str(deb_file)], check=True, capture_output=True)
    assert Path("/etc/studydesk/site.toml").read_bytes() == EXAMPLE_SITE.read_bytes()
    env = {**_clean_env(), "HOME": str(home)}
    done = subprocess.run(["/usr/bin/studydesk", "--self-check"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "/opt/studydesk/_internal/vlc/plugins" in done.stdout and "from /opt/studydesk/_internal," in done.stdout
    assert "/etc/studydesk/site.toml" in done.stdout
    if shutil.which("runuser"):  # an ordinary person (no write access anywhere in /opt or /etc) can run it too
        as_nobody = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/studydesk", "--self-check"],
                                   capture_output=True, text=True, env={**env, "HOME": "/nonexistent"}, timeout=120)
        assert as_nobody.returncode == 0, as_nobody.stdout + as_nobody.stderr

    subprocess.run(["dpkg", "-r", "studydesk"], check=True, capture_output=True)
    assert not Path("/opt/studydesk").exists() and not Path("/usr/bin/studydesk").exists()
    assert Path("/etc/studydesk/site.toml").exists()  # a conffile stays until purge
    subprocess.run(["dpkg", "--purge", "studydesk"], check=True, capture_output=True)
    assert not Path("/etc/studydesk").exists()
    assert (data / "profile.sqlite3").read_bytes() == b"alice's progress"


def test_windows_installer_script_compiles_over_the_frozen_folder(build: Path, tmp_path: Path) -> None:
    if not shutil.which("makensis"):
        pytest.skip("makensis (Debian package nsis) is not installed")
    frozen = build / "studydesk"
    setup = nsis.compile_installer(frozen, "0.1.0", tmp_path, tmp_path / "nsis", store_only=True)
    assert setup.read_bytes()[:2] == b"MZ"
    files = [p for p in frozen.rglob("*") if p.is_file()]
    uninstall = (tmp_path / "nsis" / "files_uninstall.nsh").read_text(encoding="utf-8").splitlines()
    deletes = [line for line in uninstall if line.startswith("Delete ")]
    assert len(deletes) == len(files)
    assert not any("/r" in line for line in uninstall)
    script = nsis.NSI.read_text(encoding="utf-8")
    assert "RMDir /r" not in script and "RequestExecutionLevel admin" in script
    assert "$PROGRAMFILES64" in script and "/SERVER=" in script and "/SITE=" in script


# ---- the offline site kit (uses the .deb built above)

def _published_repo(base: Path, media_clip: Path) -> tuple[Path, Path]:
    """(repository folder with two signed courses, site file pinning their publisher key)."""
    from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source, write_site
    from tests.support.server_process import free_port

    data = base / "server-data"
    clip = media_clip.read_bytes()
    publish_source(data, write_course_source(base / "src1", "party-history", [clip, random_bytes(3000, 1)],
                                             title="党史学习"))
    publish_source(data, write_course_source(base / "src2", "rural-policy", [random_bytes(4000, 2)], title="乡村振兴"))
    site = write_site(base / "site.toml", f"http://127.0.0.1:{free_port()}", publisher_keys(data))
    return data / "repo", site


def _kit(repo: Path, site: Path, out: Path, dist: Path, *courses: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(ROOT / "installer" / "build-site-kit"), "--courses", str(repo), "--site", str(site), "--out", str(out),
           "--installers", str(dist)]
    for c in courses:
        cmd += ["--course", c]
    return subprocess.run(cmd, capture_output=True, text=True, env={**_clean_env(), "PYTHON": sys.executable},
                          cwd=ROOT, timeout=120)


def test_site_kit_holds_installers_site_file_chosen_courses_and_guide(build: Path, tmp_path: Path, media) -> None:
    from sync.protocol.manifest import Manifest
    from sync.site.check import run_site_check

    repo, site = _published_repo(tmp_path, media.clip(2.0))
    kit = tmp_path / "usb" / "studydesk-kit"
    done = _kit(repo, site, kit, build, "party-history")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (kit / "installers").iterdir()) == sorted(p.name for p in build.glob("*.deb"))
    assert (kit / "site.toml").read_bytes() == site.read_bytes()
    courses = kit / "courses"
    assert [p.name for p in (courses / "manifests").iterdir()] == ["party-history"]
    manifest = Manifest.from_dict(json.loads((courses / "manifests/party-history/1.json").read_bytes()))
    assert {p.name for p in (courses / "blobs/sha256").iterdir()} == set(manifest.blobs())
    assert not (courses / "catalog.json").exists()  # a subset: the signed catalog would list absent courses
    guide = (kit / "安装说明.txt").read_bytes()
    assert guide.startswith("\ufeff".encode()) and b"\r\n" in guide
    text = guide.decode("utf-8-sig")
    assert "党史学习" in text and "乡村振兴" not in text and "sudo apt install ./installers/studydesk_" in text
    assert json.loads((kit / "studydesk-kit.json").read_text(encoding="utf-8"))["courses"][0]["id"] == "party-history"

    whole = tmp_path / "usb" / "all"
    assert _kit(repo, site, whole, build).returncode == 0
    assert (whole / "courses" / "catalog.json").read_bytes() == (repo / "catalog.json").read_bytes()
    (whole / "site.toml").write_text((whole / "site.toml").read_text(encoding="utf-8")
                                     + '\n[repository]\nurl = "courses"\n', encoding="utf-8")
    repo_finding = next(f for f in run_site_check(whole / "site.toml") if f.check == "repository")
    assert repo_finding.ok and "2 course(s)" in repo_finding.detail


def test_site_kit_refuses_a_damaged_blob_and_keeps_nothing_of_it(build: Path, tmp_path: Path, media) -> None:
    repo, site = _published_repo(tmp_path, media.clip(2.0))
    blob = max((repo / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    data = bytearray(blob.read_bytes())
    data[100] ^= 0xFF
    blob.write_bytes(bytes(data))
    kit = tmp_path / "kit"
    done = _kit(repo, site, kit, build)
    assert done.returncode == 1 and "is damaged" in done.stderr
    assert not (kit / "courses" / "blobs" / "sha256" / blob.name).exists()
    assert not list(kit.rglob("*.part"))
    assert _kit(repo, site, tmp_path / "kit2", build, "no-such-course").returncode == 1
