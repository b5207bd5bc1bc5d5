"""The fine-tune tab: tunebooks and settings in, a run in a child process, live curves, the model out."""
