"""Accounts on the public site: sign-in and its lockout, two-factor sign-in, sessions and
their timeouts, invitation redemption, the agreement, and the security log."""
