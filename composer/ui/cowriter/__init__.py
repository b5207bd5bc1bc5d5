"""The co-writer: the generation panel, its batches, candidate cards, previews, auditions and model list."""
