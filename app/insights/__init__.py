"""Insights: usage metering, notifications and their groups."""
