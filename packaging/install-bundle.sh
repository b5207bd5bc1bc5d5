#!/bin/sh
# Install the Composer bundle for this user (PREFIX=~/.local by default; run as root with PREFIX=/usr/local for
# everyone): the bundle goes to PREFIX/lib/composer, `composer` to PREFIX/bin, and the menu entry, AppStream
# metadata, icon and the text/vnd.abc MIME type (*.abc opens in Composer) to PREFIX/share.
# `install.sh --uninstall` removes them again. The bundle's build copies this script into it as install.sh.
set -eu
BUNDLE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
ID=io.github.abc_composer.Composer
FILES="applications/$ID.desktop metainfo/$ID.metainfo.xml icons/hicolor/scalable/apps/$ID.svg mime/packages/$ID.xml"

refresh() {
    if command -v update-mime-database >/dev/null 2>&1; then update-mime-database "$PREFIX/share/mime"; fi
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$PREFIX/share/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$PREFIX/lib/composer"
    rm -f "$PREFIX/bin/composer"
    for f in $FILES; do rm -f "$PREFIX/share/$f"; done
    refresh
    echo "Removed Composer from $PREFIX (your settings, models and tunebooks are kept)"
    exit 0
fi

[ -x "$BUNDLE/composer" ] || { echo "install.sh: run me from the bundle folder (dist/composer)" >&2; exit 1; }
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
if [ "$BUNDLE" != "$PREFIX/lib/composer" ]; then
    rm -rf "$PREFIX/lib/composer"
    cp -R "$BUNDLE" "$PREFIX/lib/composer"
fi
ln -sf "$PREFIX/lib/composer/composer" "$PREFIX/bin/composer"
for f in $FILES; do
    mkdir -p "$(dirname "$PREFIX/share/$f")"
    cp "$BUNDLE/share/$f" "$PREFIX/share/$f"
done
refresh
echo "Installed Composer in $PREFIX: run \`composer\`, or open it from the menu (make sure $PREFIX/bin is on PATH)"
