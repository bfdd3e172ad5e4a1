"""Data caches (add to cache, load from cache, the cache lookup transform) and de-dupe data pools."""
