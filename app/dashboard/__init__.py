"""The dashboard: what happened in the acting company lately."""
