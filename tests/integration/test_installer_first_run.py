"""First start after installing from an offline site kit: the app finds the kit (on a mount point, next
to the site file, or at the site's [repository] folder), offers its courses once, and imports them
with the usual verification. Real kit folders, a real content store, real task lanes and dialogs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from client.first_run_import import KitImportOffer, find_offer, import_offer, remember_answer
from client.tasks import Lanes
from sync.content.store import ContentStore
from sync.site.config import parse_site
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source, write_site
from tests.support.media import MediaFactory
from tests.support.server_process import free_port


@pytest.fixture
def kit(tmp_path: Path, media: MediaFactory) -> SimpleNamespace:
    """A kit folder on a fake mount point (/media/<user>/<stick>/<kit>), as build-site-kit lays it out."""
    data = tmp_path / "server-data"
    publish_source(data, write_course_source(tmp_path / "src", "party-history",
                                             [media.clip(2.0).read_bytes(), random_bytes(5000, 3)], title="党史学习"))
    mount = tmp_path / "media"
    folder = mount / "cadre" / "USB STICK" / "studydesk-kit"
    shutil.copytree(data / "repo", folder / "courses")
    (folder / "studydesk-kit.json").write_text(json.dumps({"format": 1, "courses": []}), encoding="utf-8")
    (tmp_path / "etc").mkdir()
    site_file = write_site(tmp_path / "etc" / "site.toml", f"http://127.0.0.1:{free_port()}", publisher_keys(data))
    site = parse_site(site_file.read_bytes(), source=site_file)
    store = ContentStore(tmp_path / "data" / "content", site.trusted_keys())
    return SimpleNamespace(mount=mount, courses=folder / "courses", site=site, store=store,
                           data_root=tmp_path / "data", keys=publisher_keys(data))


def test_kit_on_a_mount_point_is_offered_imported_and_not_offered_again(kit: SimpleNamespace) -> None:
    offer = find_offer(kit.site, kit.store, kit.data_root, roots=[kit.mount])
    assert offer is not None and offer.folder == kit.courses.resolve() and offer.courses == {"party-history": 1}
    [manifest] = import_offer(offer, kit.store, kit.site.trusted_keys())
    assert manifest.title == "党史学习"
    assert all(kit.store.lesson_file(manifest, lesson.id) for lesson in manifest.lessons)
    assert find_offer(kit.site, kit.store, kit.data_root, roots=[kit.mount]) is None


def test_a_declined_offer_is_not_repeated_and_repository_folder_is_found(kit: SimpleNamespace, tmp_path: Path) -> None:
    offer = find_offer(kit.site, kit.store, kit.data_root, roots=[kit.mount])
    assert offer is not None
    remember_answer(kit.data_root, offer)
    assert find_offer(kit.site, kit.store, kit.data_root, roots=[kit.mount]) is None
    # the site file names the kit's courses folder itself (relative to the site file)
    shutil.copytree(kit.courses, tmp_path / "etc" / "courses")
    site_file = kit.site.source
    site_file.write_text(site_file.read_text(encoding="utf-8") + '\n[repository]\nurl = "courses"\n', encoding="utf-8")
    site = parse_site(site_file.read_bytes(), source=site_file)
    found = find_offer(site, kit.store, kit.data_root, roots=[])
    assert found is not None and found.folder == (tmp_path / "etc" / "courses").resolve()


def test_tampered_kit_is_refused_on_import(kit: SimpleNamespace) -> None:
    from sync.protocol.errors import SyncError

    blob = max((kit.courses / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    blob.write_bytes(blob.read_bytes()[:-10] + b"0123456789")
    offer = find_offer(kit.site, kit.store, kit.data_root, roots=[kit.mount])
    assert offer is not None
    with pytest.raises(SyncError):
        import_offer(offer, kit.store, kit.site.trusted_keys())
    assert not kit.store.has_blob(blob.name)


def test_window_asks_then_imports_with_progress(kit: SimpleNamespace, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("STUDYDESK_KIT_SEARCH", str(kit.mount))
    lanes = Lanes()
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    app = SimpleNamespace(lanes=lanes, site=kit.site, store=kit.store, data_root=kit.data_root)
    offer = KitImportOffer(app, window)
    offer.start()
    qtbot.waitUntil(lambda: offer.box is not None and offer.box.isVisible(), timeout=10_000)
    assert "1" in offer.box.text()
    offer.box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: offer.result != "", timeout=30_000)
    assert "党史学习" in offer.result
    assert [m.course_id for m in kit.store.installed_courses()] == ["party-history"]
    qtbot.waitUntil(lambda: (kit.data_root / "kit-offers.json").exists(), timeout=5_000)
    done = []
    lanes.shutdown(lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    QApplication.processEvents()
