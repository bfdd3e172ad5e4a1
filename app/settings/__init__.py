"""Settings: my company profile (details, banner, security), its users and the audit log."""
