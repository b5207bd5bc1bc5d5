"""The staff: the engraved tune, reflowed to the pane's width, with the playing note highlighted."""
