"""Supervision: SLA clocks, escalation, whistles, nudges, instructions, metrics and unit scores."""
