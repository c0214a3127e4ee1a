"""The mediation agreement (人民调解协议书): made from one template as an A4 PDF, and the parties' drawn signatures.

The PDF is drawn with reportlab in the CJK font at AGREEMENT_FONT_PATH (WenQuanYi Micro Hei from Debian's
fonts-wqy-microhei by default). Until every party has signed it is drawn on request from the dispute's rows;
once the last party signs, the signed copy, with each signature embedded, is stored once through the media
storage and is what everyone reads from then on. A signature arrives as the PNG that signature_pad draws on the
phone: it is decoded, refused when blank or not a PNG, cropped to the ink and stored again as a clean PNG.
"""
from __future__ import annotations

import base64
import binascii
import io
import uuid
from functools import lru_cache
from xml.sax.saxutils import escape

from flask import current_app
from PIL import Image, UnidentifiedImageError

from gridapp.clock import CHINA
from gridapp.errors import ValidationFailed
from gridapp.models import Dispute
from gridapp.storage import media_storage

MAX_SIGNATURE_BYTES = 512 * 1024
MAX_SIGNATURE_SIDE = 4000
# Ink must cover at least this many pixels on each side: a tap or a stray dot is no signature.
MIN_INK_SIDE = 12
SIDE_LABELS = {"applicant": "申请人", "respondent": "被申请人"}


def clean_signature(data_url: str) -> bytes:
    """The signature drawn on the phone (a PNG data URL or bare base64) as a PNG cropped to its ink; 422 otherwise."""
    payload = data_url.split(",", 1)[1] if data_url.startswith("data:") else data_url
    if data_url.startswith("data:") and not data_url.startswith("data:image/png;base64,"):
        raise ValidationFailed("签名须为 PNG 图片", details={"image": ["not_png"]})
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("签名图片无法读取", details={"image": ["not_base64"]}) from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ValidationFailed("签名图片过大", details={"image": ["too_large"]})
    try:
        image = Image.open(io.BytesIO(raw))
        if image.format != "PNG" or max(image.size) > MAX_SIGNATURE_SIDE:
            raise ValidationFailed("签名须为 PNG 图片", details={"image": ["not_png"]})
        image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationFailed("签名图片无法读取", details={"image": ["unreadable"]}) from None
    # Ink: pixels that are neither transparent nor near-white (signature_pad draws on a transparent background).
    ink = Image.eval(image.convert("L"), lambda v: 255 if v < 200 else 0)
    ink.paste(0, mask=Image.eval(image.getchannel("A"), lambda a: 255 if a < 32 else 0))
    box = ink.getbbox()
    if box is None or (box[2] - box[0] < MIN_INK_SIDE and box[3] - box[1] < MIN_INK_SIDE):
        raise ValidationFailed("请先在框内签名", details={"image": ["blank"]})
    margin = 8
    box = (max(box[0] - margin, 0), max(box[1] - margin, 0), min(box[2] + margin, image.width), min(box[3] + margin, image.height))
    out = io.BytesIO()
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    Image.alpha_composite(white, image).crop(box).convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def signature_key(dispute: Dispute, party_id: int) -> str:
    return f"disputes/{dispute.city_id}/{dispute.id}/signature-{party_id}-{uuid.uuid4().hex[:12]}.png"


def signed_key(dispute: Dispute) -> str:
    """One key per dispute: a retried last signature writes the same file again."""
    return f"disputes/{dispute.city_id}/{dispute.id}/agreement-signed.pdf"


@lru_cache(maxsize=4)
def _font(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"AgreementCJK{len(pdfmetrics.getRegisteredFontNames())}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0) if path.endswith(".ttc") else TTFont(name, path))
    return name


def render(dispute: Dispute, *, kind_label: str, mediator_name: str, organisation: str) -> bytes:
    """The agreement as a PDF, with the signatures given so far."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image as PdfImage
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font(current_app.config["AGREEMENT_FONT_PATH"])
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=19, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=30, alignment=1)
    number = ParagraphStyle("number", parent=body, alignment=2)
    heading = ParagraphStyle("heading", parent=body, fontSize=12.5, spaceBefore=8)

    def para(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    made = (dispute.agreement_at or dispute.created_at).astimezone(CHINA)
    flow = [
        para("人民调解协议书", title),
        para(f"（{made.year}）{organisation}调字第 {dispute.id} 号", number),
        Spacer(1, 4 * mm),
    ]
    for party in dispute.parties:
        flow.append(para(f"{SIDE_LABELS[party.side]}：{party.name}"))
    flow += [
        para(f"纠纷类型：{kind_label}", heading),
        para("纠纷简要情况：", heading), para(dispute.description),
        para("经调解，双方当事人自愿达成如下协议：", heading), para(dispute.agreement_terms or ""),
        para("履行方式、时限：", heading), para(dispute.agreement_performance or ""),
        para("本协议自各方当事人签名之日起生效。当事人可以自协议生效之日起三十日内共同向人民法院申请司法确认。"
             "本协议一式三份，当事人、人民调解委员会各持一份。", heading),
        Spacer(1, 6 * mm),
    ]
    rows = []
    for party in dispute.parties:
        mark = para("（未签名）")
        if party.signature_key:
            drawn = media_storage().read(party.signature_key)
            wide, high = Image.open(io.BytesIO(drawn)).size
            height = min(50 * mm * high / wide, 22 * mm)
            mark = PdfImage(io.BytesIO(drawn), width=height * wide / high, height=height)
        when = party.signed_at.astimezone(CHINA).strftime("%Y年%m月%d日") if party.signed_at else ""
        rows.append([para(f"{SIDE_LABELS[party.side]}（签名）："), mark, para(when)])
    rows.append([para("调解员："), para(mediator_name), para("")])
    rows.append([para("调解组织："), para(f"{organisation}人民调解委员会"), para(made.strftime("%Y年%m月%d日"))])
    table = Table(rows, colWidths=[44 * mm, 76 * mm, 40 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    flow.append(table)
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
        title=f"人民调解协议书 #{dispute.id}", author=organisation,
    ).build(flow)
    return out.getvalue()
