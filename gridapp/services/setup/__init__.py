"""A city's setup that admins change over the API: departments, report categories, and the log of changes."""
