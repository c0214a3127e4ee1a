"""Points: the double-entry ledger, residents' awards and redemptions, leaderboards."""
