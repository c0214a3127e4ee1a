"""The demo city (`flask demo`): deterministic, idempotent seed data modelled on Kangbashi."""
