"""The staff sign-in page of a section of pages (the dashboard, the console): which city, and where to go after."""
from __future__ import annotations

from flask import current_app, render_template, request, url_for

from gridapp.services.accounts.users import default_city_code
from gridapp.web.redirects import same_site_path


def sign_in_page(template: str, *, under: str, landing: str):
    """The page, sending the person on to `next` only when it is a path of this section (else to `landing`)."""
    city_code = request.args.get("city") or default_city_code(current_app.config)
    next_url = same_site_path(request.args.get("next"), under=under) or url_for(landing)
    return render_template(template, city_code=city_code, next_url=next_url)
