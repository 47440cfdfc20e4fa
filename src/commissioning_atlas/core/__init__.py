"""The arithmetic every question shares: memberships, crosstabs, exact rounding."""
