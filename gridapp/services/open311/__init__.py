"""Open311 GeoReport v2 over our cases: who asks (API keys) and what they may read and file."""
