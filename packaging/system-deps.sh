#!/bin/sh
# Install the system packages Composer needs when they are missing (Debian/Ubuntu); elsewhere, say what to install.
PACKAGES="abcm2ps abcmidi ghostscript poppler-utils libfluidsynth3 timgm6mb-soundfont libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 desktop-file-utils appstream shared-mime-info"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "Composer needs: abcm2ps, abcmidi (abc2midi), Ghostscript (PDF export), poppler-utils (tests), FluidSynth 2 (libfluidsynth) and a General MIDI SoundFont (.sf2)."
    echo "Install them with your system's package manager (macOS: brew install abcm2ps abcmidi ghostscript poppler fluid-synth)."
    exit 0
fi

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "Installing system packages:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
