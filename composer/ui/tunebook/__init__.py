"""The tunebook as a file: the tune list, autosave and recovery, print, import and export."""
