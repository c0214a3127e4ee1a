"""QR codes for the permanent report URLs ``{PUBLIC_BASE_URL}/c/{token}``.

Plain Python, no Flask and no database, so web routes, background jobs and scripts
share one encoder and one caption font and a reprint matches the original. Import
the module you need (``qr.tokens``, ``qr.render``, ``qr.sheets``): routes that only
check tokens then do not load the imaging and PDF libraries.
"""
