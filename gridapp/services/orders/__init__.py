"""Community orders and the department order pool."""
