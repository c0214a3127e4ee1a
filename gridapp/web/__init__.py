"""HTTP plumbing shared by every door into gridapp: access control, errors, health."""
