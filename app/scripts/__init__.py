"""Custom scripts: versions, the sandbox that runs them, and their pages."""
