"""The shape settings panels: one form per shape, the mapping editor, sample data and the in-panel preview."""
