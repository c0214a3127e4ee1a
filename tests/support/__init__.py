"""Test helpers as plain modules, one per concern, each docstring naming what it holds.

Fixtures live only in tests/conftest.py (and tests/qr/conftest.py), so these modules also
serve bench/, which builds the same cities and contests outside pytest.
"""
