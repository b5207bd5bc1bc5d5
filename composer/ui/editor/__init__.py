"""The editor: the ABC text widget, its highlighter, find and replace, and the problems list."""
