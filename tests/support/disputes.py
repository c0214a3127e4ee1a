"""A dispute roster for tests: 一社区's village mediator (city.users[Role.MEDIATOR]), 一街道's township mediator and
一区's county one, all on the roster; a second resident to be the other party."""
from __future__ import annotations

from types import SimpleNamespace

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Mediator
from tests.support.factories import account

RESPONDENT_PHONE = "13900000009"


def signature_png(color=(20, 20, 20, 255)) -> str:
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(40, 150), (120, 40), (200, 160), (320, 50), (480, 140)], fill=color, width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def build_roster(city) -> SimpleNamespace:
    cid = city.city.id
    township = account(cid, "mediator_s1", Role.MEDIATOR, region=city.s1)
    county = account(cid, "mediator_d1", Role.MEDIATOR, region=city.d1)
    other = account(cid, "mediator_c3", Role.MEDIATOR, region=city.c3)
    respondent = account(cid, "邻居王五", Role.RESIDENT, phone=RESPONDENT_PHONE)
    ns = SimpleNamespace(respondent=respondent, users={"village": city.users[Role.MEDIATOR], "township": township, "county": county})
    for tier, user, node in (("village", city.users[Role.MEDIATOR], city.c1), ("township", township, city.s1),
                             ("county", county, city.d1), ("village", other, city.c3)):
        row = Mediator(city_id=cid, user_id=user.id, region_id=node.id, region_path=node.path, tier=tier,
                       specialties_json='["neighbours", "property"]', intro="从事人民调解十年")
        db.session.add(row)
        db.session.flush()
        setattr(ns, f"{tier}_c3" if node is city.c3 else tier, row)
    db.session.commit()
    return ns
