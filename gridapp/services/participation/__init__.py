"""Residents taking part beyond reports: suggestions to their community (码上纳谏)."""
