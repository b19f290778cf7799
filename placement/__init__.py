"""Placement library: what each storage and edge site holds tomorrow, and the fill plan to get there."""
