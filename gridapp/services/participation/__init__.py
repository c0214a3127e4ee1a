"""Residents taking part beyond reports: suggestions (码上纳谏), consultations (码上协商), ratings that count."""
