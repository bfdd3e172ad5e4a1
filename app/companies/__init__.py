"""Company profile, banner, linked companies and switching."""
