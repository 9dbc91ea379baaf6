"""Fault scenarios on the real processes, with figures: `make faults`."""
