"""Playback: the transport bar over the audio Player, the playback controller, and the audio settings."""
