#!/bin/sh
# `make package`: build the one-folder bundle dist/composer/ with PyInstaller, then smoke-test the build itself:
# --version, the window offscreen (and on Xvfb when xvfb-run exists) opening a tune and exporting MIDI, the CLI
# export and check, the message `composer train` gives without PyTorch, and `composer generate` running the shipped
# model's int8 twin (and its float32 file with --weights float32).
set -eu
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
DIST=dist/composer
APP=$DIST/composer
ID=io.github.abc_composer.Composer

if ! "$PY" -m PyInstaller --version >/dev/null 2>&1; then
    echo "Installing PyInstaller (the 'package' extra)"
    "$PY" -m pip install -q -e '.[package]'
fi

echo "Building $DIST with PyInstaller $("$PY" -m PyInstaller --version)"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/composer.spec

# The desktop integration travels with the bundle; packaging/install-bundle.sh puts it in place.
cp -R packaging/linux/share "$DIST/share"
cp packaging/install-bundle.sh "$DIST/install.sh"

SMOKE=$(mktemp -d "${TMPDIR:-/tmp}/composer-package-XXXXXX")
trap 'rm -rf "$SMOKE"' EXIT
# Run from a neutral folder, with the system's libraries and programs only (no venv on PATH).
export HOME="$SMOKE/home" PATH=/usr/local/bin:/usr/bin:/bin
mkdir -p "$HOME"
EXAMPLES="$DIST/_internal/composer/resources/examples.abc"
fail() { echo "make package: smoke test failed: $*" >&2; exit 1; }

echo "Smoke-testing $APP"
expected="composer $("$PY" -c 'import composer; print(composer.__version__)')"
version=$("$APP" --version) || fail "--version exited $?"
[ "$version" = "$expected" ] || fail "--version printed '$version', not '$expected'"
echo "  $version"

[ -f "$EXAMPLES" ] || fail "the bundle has no $EXAMPLES"
QT_QPA_PLATFORM=offscreen "$APP" gui --smoke-test "$SMOKE/window.mid" "$EXAMPLES" 2>"$SMOKE/window.err" \
    || { cat "$SMOKE/window.err" >&2; fail "the window (offscreen) did not open, engrave and export"; }
if command -v xvfb-run >/dev/null 2>&1; then
    QT_QPA_PLATFORM=xcb xvfb-run -a "$APP" gui --smoke-test "$SMOKE/xcb.mid" "$EXAMPLES" 2>"$SMOKE/xcb.err" \
        || { cat "$SMOKE/xcb.err" >&2; fail "the window (xcb on Xvfb) did not open, engrave and export"; }
else
    echo "  (no xvfb-run: the xcb platform plugin was not tried)"
fi

"$APP" export "$EXAMPLES" --tune 1 -o "$SMOKE/cli.mid" >/dev/null || fail "composer export exited $?"
[ -s "$SMOKE/cli.mid" ] || fail "composer export wrote no MIDI file"
cmp -s "$SMOKE/cli.mid" "$SMOKE/window.mid" || fail "the CLI and the window exported different MIDI"
echo "  composer export: $(wc -c <"$SMOKE/cli.mid") bytes of MIDI, the same as the window's"
"$APP" check "$EXAMPLES" >/dev/null || fail "composer check found errors in the shipped examples"
echo "  composer check: the shipped examples have no errors"
if "$APP" train --out "$SMOKE/run" >/dev/null 2>"$SMOKE/train.err"; then
    fail "composer train ran in a bundle without PyTorch"
fi
grep -q "PyTorch" "$SMOKE/train.err" || { cat "$SMOKE/train.err" >&2; fail "composer train gave no useful message"; }
echo "  composer train: says it needs PyTorch"

if [ -f "$DIST/_internal/models/default.onnx" ]; then
    MODELS_DIR=${COMPOSER_BUNDLE_MODELS:-models}
    if [ -f "$MODELS_DIR/default.int8.onnx" ]; then
        [ -f "$DIST/_internal/models/default.int8.onnx" ] || fail "the bundle has no default.int8.onnx"
        RUNS=default.int8.onnx
    else
        RUNS=default.onnx
    fi
    "$APP" generate --count 1 --seed 1 --max-chars 600 -o "$SMOKE/generated.abc" 2>"$SMOKE/generate.err" \
        || { cat "$SMOKE/generate.err" >&2; fail "composer generate exited with the shipped model"; }
    grep -q "^X:1" "$SMOKE/generated.abc" || fail "composer generate wrote no tune"
    grep -q "^model: $RUNS," "$SMOKE/generate.err" \
        || { cat "$SMOKE/generate.err" >&2; fail "composer generate did not run $RUNS"; }
    echo "  composer generate: $(grep -c . "$SMOKE/generated.abc") lines from the shipped model ($RUNS)"
    "$APP" generate --weights float32 --count 1 --seed 1 --max-chars 200 -o "$SMOKE/float32.abc" \
        2>"$SMOKE/float32.err" \
        || { cat "$SMOKE/float32.err" >&2; fail "composer generate --weights float32 exited"; }
    grep -q "^model: default.onnx," "$SMOKE/float32.err" \
        || fail "composer generate --weights float32 did not run default.onnx"
    echo "  composer generate --weights float32: runs default.onnx"
else
    echo "  (no models/default.onnx yet: the bundle carries no model; composer generate was not tried)"
fi

export XDG_DATA_HOME="$SMOKE/prefix/share"  # where desktops look for what install.sh puts in PREFIX/share
PREFIX="$SMOKE/prefix" "$DIST/install.sh" >/dev/null || fail "install.sh exited $?"
[ "$("$SMOKE/prefix/bin/composer" --version)" = "$expected" ] || fail "the installed composer does not run"
[ -f "$SMOKE/prefix/share/applications/$ID.desktop" ] || fail "install.sh installed no desktop entry"
if command -v update-mime-database >/dev/null 2>&1; then
    grep -q "text/vnd.abc:\*.abc" "$SMOKE/prefix/share/mime/globs2" || fail "install.sh did not register *.abc"
fi
PREFIX="$SMOKE/prefix" "$DIST/install.sh" --uninstall >/dev/null || fail "install.sh --uninstall exited $?"
[ ! -e "$SMOKE/prefix/bin/composer" ] || fail "install.sh --uninstall left the command"
echo "  install.sh: installs, runs from PREFIX/bin, registers *.abc, uninstalls"

echo "Built $DIST ($(du -sh "$DIST" | cut -f1)); install it for this user with: $DIST/install.sh"
