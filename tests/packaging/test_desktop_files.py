"""The freedesktop files: the validators accept them, the MIME database learns *.abc, and they agree."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import composer

REPO = Path(__file__).resolve().parents[2]
SHARE = REPO / "packaging" / "linux" / "share"
APP_ID = "io.github.abc_composer.Composer"
DESKTOP = SHARE / "applications" / f"{APP_ID}.desktop"
METAINFO = SHARE / "metainfo" / f"{APP_ID}.metainfo.xml"
ICON = SHARE / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
MIME = SHARE / "mime" / "packages" / f"{APP_ID}.xml"
MIME_NS = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (packaging/system-deps.sh installs it)")
    return path


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_validate_accepts_the_desktop_file_without_a_remark():
    done = subprocess.run([tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr


def test_appstreamcli_validates_the_metainfo_strictly():
    done = subprocess.run([tool("appstreamcli"), "validate", "--no-net", "--strict", str(METAINFO)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_appstreamcli_validates_the_installed_tree(tmp_path):
    prefix = tmp_path / "usr"
    shutil.copytree(SHARE, prefix / "share")
    done = subprocess.run([tool("appstreamcli"), "validate-tree", "--no-net", "--strict", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert METAINFO.name in done.stdout  # found and checked, not an empty tree


def test_the_mime_database_maps_abc_files_to_text_vnd_abc(tmp_path):
    mime = tmp_path / "mime"
    (mime / "packages").mkdir(parents=True)
    shutil.copy2(MIME, mime / "packages" / MIME.name)
    done = subprocess.run([tool("update-mime-database"), str(mime)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    globs = (mime / "globs2").read_text(encoding="utf-8").splitlines()
    assert any(line.split(":")[1:] == ["text/vnd.abc", "*.abc"] for line in globs if not line.startswith("#"))
    assert "text/vnd.abc text/plain" in (mime / "subclasses").read_text(encoding="utf-8")
    assert (mime / "text" / "vnd.abc.xml").is_file()


def test_the_mime_magic_matches_the_shipped_examples():
    tree = ET.parse(MIME)
    values = [match.get("value") for match in tree.iterfind(".//m:magic/m:match", MIME_NS)]
    examples = (REPO / "resources" / "examples.abc").read_text(encoding="utf-8")
    assert any(examples.startswith(value) for value in values)


def test_the_desktop_entry_opens_abc_files_with_the_installed_command():
    entry = desktop_entry()
    defined = {t.get("type") for t in ET.parse(MIME).iterfind("m:mime-type", MIME_NS)}
    assert defined == {"text/vnd.abc"}
    assert defined <= set(filter(None, entry["MimeType"].split(";")))
    command, *arguments = entry["Exec"].split()
    assert command in PYPROJECT["project"]["scripts"] and entry["TryExec"] == command
    assert arguments in (["%f"], ["%F"])  # `composer FILE` opens FILE (composer gui takes one)
    assert entry["Icon"] == APP_ID == ICON.stem


def test_the_metainfo_names_the_desktop_file_license_mime_type_and_this_version():
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID == DESKTOP.name.removesuffix(".desktop")
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("project_license") == PYPROJECT["project"]["license"]
    assert root.findtext("provides/binary") in PYPROJECT["project"]["scripts"]
    assert root.findtext("provides/mediatype") == "text/vnd.abc"
    assert root.findtext("name") == desktop_entry()["Name"]
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == composer.__version__


def test_the_icon_is_a_square_svg_that_qt_draws(qapp):
    # pytest-qt's QApplication: a bare QGuiApplication here would abort every later test that builds a widget.
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(ICON))
    assert renderer.isValid()
    size = renderer.defaultSize()
    assert size.width() == size.height() >= 48
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    opaque = sum(1 for x in range(64) for y in range(64) if image.pixelColor(x, y).alpha() > 200)
    assert opaque > 64 * 64 // 2  # a filled page, not a blank or clipped drawing
