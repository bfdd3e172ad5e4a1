"""Settings: company profile and users (the accounts issue grows the forms)."""
