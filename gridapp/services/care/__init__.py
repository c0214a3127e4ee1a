"""Risk and care: risk tiers routed to teams, the key-person register and poverty-relapse watch (issue 18 part 7)."""
