"""Marshmallow schemas of the mobile API: separate ones for what comes in and what goes out."""
