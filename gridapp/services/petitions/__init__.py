"""信访 (petitions): intake from every channel with the petitioner found again, the statutory clocks, long-running
cases and hearings, who may read what (each read audited) and the figures."""
