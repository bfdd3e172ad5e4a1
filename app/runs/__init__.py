"""Runs, their logs, the payload store and the live stream."""
