"""Referrals (诉调/警调/访调对接) between our cases and petitions and the courts, police and petition bureaus."""
