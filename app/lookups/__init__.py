"""Cross-reference lookups: tables of value pairs used by the map's cross-reference transform."""
