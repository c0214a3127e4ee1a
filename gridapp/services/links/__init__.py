"""Account links: residents bound to their household member record, owners to their shop, e-bike or stall."""
