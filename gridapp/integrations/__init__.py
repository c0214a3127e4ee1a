"""Adapters to systems outside gridapp (SMS gateways, WeChat), each behind a small interface."""
from __future__ import annotations

import importlib


def load_object(path: str):
    """Import "package.module:Name"; lets a deployment plug in a provider by configuration."""
    module_name, _, attr = path.partition(":")
    if not attr:
        raise ValueError(f"expected 'module:Name', got {path!r}")
    return getattr(importlib.import_module(module_name), attr)
