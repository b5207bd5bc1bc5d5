"""Playback and offline rendering through FluidSynth: SoundFonts, the synthesizer, the player engine."""
