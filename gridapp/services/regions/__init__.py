"""The region tree and geography: subtrees, paths, which grid a point lies in."""
