"""The one place that talks to libfluidsynth: a synthesizer with a SoundFont, offline samples, drivers."""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import sys
import threading
from collections import deque
from ctypes import CFUNCTYPE, c_char_p, c_double, c_float, c_int, c_void_p

import numpy as np

from composer.audio.soundfonts import SoundFont, resolve_soundfont
from composer.errors import AudioError

log = logging.getLogger("composer.audio")

SAMPLE_RATE = 44100
DRUM_CHANNEL = 9

#: Audio drivers to try, best first, per platform; only those this libfluidsynth was built with are tried.
DRIVER_ORDER = {
    "linux": ("pipewire", "pulseaudio", "alsa", "jack", "oss"),
    "darwin": ("coreaudio", "portaudio", "sdl2"),
    "win32": ("wasapi", "dsound", "waveout", "sdl2", "portaudio"),
}

_LOG_FUNCTION = CFUNCTYPE(None, c_int, c_char_p, c_void_p)
_OPTION_FUNCTION = CFUNCTYPE(None, c_void_p, c_char_p, c_char_p)
_FLUID_PANIC, _FLUID_ERR, _FLUID_WARN, _FLUID_INFO, _FLUID_DBG = range(5)

_library: ctypes.CDLL | None = None
_library_lock = threading.Lock()
_messages: deque[tuple[int, str]] = deque(maxlen=50)  # (sequence number, FluidSynth error or warning)
_message_count = 0
_log_callback = None  # kept alive for as long as libfluidsynth may call it


def _prototypes(lib: ctypes.CDLL) -> None:
    """Declare the argument and result types of every function we call (ctypes guesses wrong without them)."""
    signatures = {
        "fluid_version_str": (c_char_p, []),
        "new_fluid_settings": (c_void_p, []),
        "delete_fluid_settings": (None, [c_void_p]),
        "fluid_settings_setstr": (c_int, [c_void_p, c_char_p, c_char_p]),
        "fluid_settings_setint": (c_int, [c_void_p, c_char_p, c_int]),
        "fluid_settings_setnum": (c_int, [c_void_p, c_char_p, c_double]),
        "fluid_settings_foreach_option": (None, [c_void_p, c_char_p, c_void_p, _OPTION_FUNCTION]),
        "new_fluid_synth": (c_void_p, [c_void_p]),
        "delete_fluid_synth": (None, [c_void_p]),
        "fluid_synth_sfload": (c_int, [c_void_p, c_char_p, c_int]),
        "fluid_synth_program_select": (c_int, [c_void_p, c_int, c_int, c_int, c_int]),
        "fluid_synth_noteon": (c_int, [c_void_p, c_int, c_int, c_int]),
        "fluid_synth_noteoff": (c_int, [c_void_p, c_int, c_int]),
        "fluid_synth_cc": (c_int, [c_void_p, c_int, c_int, c_int]),
        "fluid_synth_all_notes_off": (c_int, [c_void_p, c_int]),
        "fluid_synth_all_sounds_off": (c_int, [c_void_p, c_int]),
        "fluid_synth_set_gain": (None, [c_void_p, c_float]),
        "fluid_synth_get_active_voice_count": (c_int, [c_void_p]),
        "fluid_synth_write_float": (c_int, [c_void_p, c_int, c_void_p, c_int, c_int, c_void_p, c_int, c_int]),
        "new_fluid_audio_driver": (c_void_p, [c_void_p, c_void_p]),
        "delete_fluid_audio_driver": (None, [c_void_p]),
        "fluid_set_log_function": (c_void_p, [c_int, _LOG_FUNCTION, c_void_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


def _on_fluid_log(level: int, message: bytes | None, _data: int | None) -> None:
    global _message_count
    text = (message or b"").decode("utf-8", "replace").strip()
    _message_count += 1
    _messages.append((_message_count, text))
    log.debug("fluidsynth: %s", text)  # callers put these messages into the AudioError they raise


def _silence_fluid_log() -> None:
    # At exit, stop FluidSynth from calling into an interpreter that is going away.
    if _library is not None:
        for level in (_FLUID_PANIC, _FLUID_ERR, _FLUID_WARN, _FLUID_INFO, _FLUID_DBG):
            _library.fluid_set_log_function(level, _LOG_FUNCTION(), None)


def fluidsynth_library() -> ctypes.CDLL:
    """libfluidsynth, loaded once (through pyfluidsynth's platform search); AudioError when absent."""
    global _library, _log_callback
    with _library_lock:
        if _library is not None:
            return _library
        try:
            import fluidsynth  # noqa: PLC0415  (pyfluidsynth finds the library for every platform)
            lib = fluidsynth._fl
            _prototypes(lib)
        except (ImportError, OSError, AttributeError) as exc:
            raise AudioError(f"FluidSynth is not available ({exc}); install libfluidsynth 2 "
                             "(Debian/Ubuntu: libfluidsynth3, macOS: brew install fluid-synth). "
                             "MIDI export still works.") from None
        _log_callback = _LOG_FUNCTION(_on_fluid_log)
        # Errors and warnings go to our log (and into AudioError messages); info and debug chatter is dropped.
        for level in (_FLUID_PANIC, _FLUID_ERR, _FLUID_WARN):
            lib.fluid_set_log_function(level, _log_callback, None)
        for level in (_FLUID_INFO, _FLUID_DBG):
            lib.fluid_set_log_function(level, _LOG_FUNCTION(), None)
        atexit.register(_silence_fluid_log)
        _library = lib
        return lib


def fluidsynth_version() -> str:
    """The version of the loaded libfluidsynth, e.g. `2.3.1`."""
    return fluidsynth_library().fluid_version_str().decode()


def _settings_options(lib: ctypes.CDLL, settings: int, name: str) -> list[str]:
    options: list[str] = []

    def collect(_data, _name, option):
        options.append(option.decode())

    callback = _OPTION_FUNCTION(collect)
    lib.fluid_settings_foreach_option(settings, name.encode(), None, callback)
    return options


def available_drivers() -> list[str]:
    """The audio drivers this libfluidsynth was built with (`alsa`, `pulseaudio`, `file`, ...)."""
    lib = fluidsynth_library()
    settings = lib.new_fluid_settings()
    try:
        return _settings_options(lib, settings, "audio.driver")
    finally:
        lib.delete_fluid_settings(settings)


def driver_candidates(choice: str | None = None) -> list[str]:
    """The drivers to try: `choice` alone when given, else this platform's order among those built."""
    built = available_drivers()
    if choice:
        return [choice]
    platform = "linux" if sys.platform.startswith(("linux", "freebsd")) else sys.platform
    order = [d for d in DRIVER_ORDER.get(platform, ()) if d in built]
    return order or [d for d in built if d != "file"]


class Synthesizer:
    """A FluidSynth synthesizer with one SoundFont loaded; renders samples offline or feeds an audio driver.

    Every channel starts on a real preset (melodic bank 0, drums on channel 10): a SoundFont loaded without
    selecting presets renders silence.
    """

    def __init__(self, soundfont: str | os.PathLike | SoundFont | None = None, *,
                 sample_rate: int = SAMPLE_RATE, gain: float = 0.4, effects: bool = True,
                 threadsafe: bool = True) -> None:
        self.soundfont = resolve_soundfont(soundfont)
        self.sample_rate = sample_rate
        self._lib = fluidsynth_library()
        self._lock = threading.RLock()
        self._driver: int | None = None
        self.driver_name: str | None = None
        self._settings = self._lib.new_fluid_settings()
        if not self._settings:
            raise AudioError("FluidSynth could not create its settings")
        self._set("synth.sample-rate", float(sample_rate))
        self._set("synth.gain", float(gain))
        self._set("synth.reverb.active", int(effects))
        self._set("synth.chorus.active", int(effects))
        self._set("synth.threadsafe-api", int(threadsafe))
        self._synth = self._lib.new_fluid_synth(self._settings)
        if not self._synth:
            self._lib.delete_fluid_settings(self._settings)
            raise AudioError("FluidSynth could not create a synthesizer")
        before = _message_count
        self._sfid = self._lib.fluid_synth_sfload(self._synth, self.soundfont.path.encode(), 1)
        if self._sfid < 0:
            detail = _recent_messages(before)
            self.close()
            raise AudioError(f"FluidSynth could not load the SoundFont{detail}", path=self.soundfont.path)
        self._programs: dict[int, int] = {}
        for channel in range(16):
            self.set_program(channel, 0)

    def _set(self, name: str, value: str | int | float) -> None:
        key = name.encode()
        if isinstance(value, str):
            ok = self._lib.fluid_settings_setstr(self._settings, key, value.encode())
        elif isinstance(value, int):
            ok = self._lib.fluid_settings_setint(self._settings, key, value)
        else:
            ok = self._lib.fluid_settings_setnum(self._settings, key, value)
        if ok != 0:
            raise AudioError(f"FluidSynth rejected the setting {name}={value!r}")

    # -- sound --------------------------------------------------------------------------------------------

    def set_program(self, channel: int, program: int) -> None:
        """Give `channel` the General MIDI `program` (0-127); channel 10 (index 9) stays on the drum kit."""
        bank = 128 if channel == DRUM_CHANNEL else 0
        program = 0 if channel == DRUM_CHANNEL else max(0, min(127, int(program)))
        if self._programs.get(channel) == program:
            return
        with self._lock:
            if self._synth:
                if self._lib.fluid_synth_program_select(self._synth, channel, self._sfid, bank, program) != 0:
                    # The SoundFont lacks this preset: fall back to the first piano it has.
                    self._lib.fluid_synth_program_select(self._synth, channel, self._sfid, bank, 0)
                self._programs[channel] = program

    def program(self, channel: int) -> int:
        return self._programs.get(channel, 0)

    def noteon(self, channel: int, pitch: int, velocity: int) -> None:
        with self._lock:
            if self._synth:
                self._lib.fluid_synth_noteon(self._synth, channel, pitch, max(1, min(127, velocity)))

    def noteoff(self, channel: int, pitch: int) -> None:
        with self._lock:
            if self._synth:
                self._lib.fluid_synth_noteoff(self._synth, channel, pitch)

    def control_change(self, channel: int, controller: int, value: int) -> None:
        with self._lock:
            if self._synth:
                self._lib.fluid_synth_cc(self._synth, channel, controller, value)

    def all_notes_off(self, *, immediately: bool = False) -> None:
        """Release every sounding note (with `immediately`, cut them without their release tail)."""
        with self._lock:
            if self._synth:
                if immediately:
                    self._lib.fluid_synth_all_sounds_off(self._synth, -1)
                else:
                    self._lib.fluid_synth_all_notes_off(self._synth, -1)

    def set_gain(self, gain: float) -> None:
        """Master volume, 0.0-10.0 (FluidSynth's scale; 0.2-1.0 is the useful range)."""
        with self._lock:
            if self._synth:
                self._lib.fluid_synth_set_gain(self._synth, max(0.0, min(10.0, float(gain))))

    def active_voices(self) -> int:
        with self._lock:
            return self._lib.fluid_synth_get_active_voice_count(self._synth) if self._synth else 0

    def write(self, frames: int, out: np.ndarray | None = None) -> np.ndarray:
        """The next `frames` frames as float32 stereo, shape (frames, 2), written into `out` when given."""
        if out is None:
            out = np.zeros((frames, 2), dtype=np.float32)
        if out.dtype != np.float32 or out.shape != (frames, 2) or not out.flags.c_contiguous:
            raise ValueError("out must be a C-contiguous float32 array of shape (frames, 2)")
        if frames == 0:
            return out
        with self._lock:
            if not self._synth:
                raise AudioError("the synthesizer is closed")
            pointer = out.ctypes.data
            self._lib.fluid_synth_write_float(self._synth, frames, pointer, 0, 2, pointer, 1, 2)
        return out

    # -- live output --------------------------------------------------------------------------------------

    def open_output(self, driver: str | None = None,
                    options: dict[str, str | int | float] | None = None) -> str:
        """Start sending sound to an audio driver (chosen automatically unless `driver` names one).

        `options` are FluidSynth settings for it, e.g. {"audio.file.name": "out.wav"} for the `file` driver.
        Returns the driver that opened; raises AudioError saying what each driver answered when none opened.
        (FluidSynth's own start() reports success even when no driver opened; this checks the driver handle.)
        """
        with self._lock:
            if self._driver:
                return self.driver_name or ""
            failures = []
            for name in driver_candidates(driver):
                before = _message_count
                if name == "jack":
                    # A missing JACK server would otherwise be started (and waited for, ~6 s) by libjack.
                    os.environ.setdefault("JACK_NO_START_SERVER", "1")
                try:
                    self._set("audio.driver", name)
                    for key, value in (options or {}).items():
                        self._set(key, value)
                except AudioError as exc:
                    failures.append(f"{name}: {exc.message}")
                    continue
                handle = self._lib.new_fluid_audio_driver(self._settings, self._synth)
                if handle:
                    self._driver = handle
                    self.driver_name = name
                    return name
                failures.append(f"{name}{_recent_messages(before) or ': did not open'}")
            raise AudioError("no audio output could be opened (" + "; ".join(failures) + "). "
                             "Playback is off; WAV and MIDI export still work.")

    def close_output(self) -> None:
        """Stop the audio driver (the synthesizer stays usable for offline writing)."""
        with self._lock:
            if self._driver:
                self._lib.delete_fluid_audio_driver(self._driver)
                self._driver = None
                self.driver_name = None

    @property
    def has_output(self) -> bool:
        return bool(self._driver)

    def close(self) -> None:
        """Free the driver, the synthesizer and its settings, in that order. Safe to call twice."""
        with self._lock:
            self.close_output()
            if self._synth:
                self._lib.delete_fluid_synth(self._synth)
                self._synth = None
            if self._settings:
                self._lib.delete_fluid_settings(self._settings)
                self._settings = None

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001  (never raise from a finalizer)
            pass


def _recent_messages(before: int) -> str:
    """FluidSynth's errors and warnings logged after message number `before`, as `: msg; msg`."""
    recent = [text for number, text in list(_messages) if number > before]
    return (": " + "; ".join(recent[-3:])) if recent else ""
