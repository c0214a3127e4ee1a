"""Telling people things: the in-app inbox and the push channel."""
