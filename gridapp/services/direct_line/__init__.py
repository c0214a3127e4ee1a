"""直联: the direct line between residents and their grid's staff (contacts bound to grids, conversations)."""
