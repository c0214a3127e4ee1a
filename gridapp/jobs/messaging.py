"""Jobs that deliver messages to people."""
from __future__ import annotations

from gridapp.integrations.sms import sms_sender
from gridapp.jobs import QUEUE_NOTIFY, job
from gridapp.services.cases import hotline


@job(queue=QUEUE_NOTIFY, timeout=30, retries=3, sensitive=True, urgent=True)
def send_login_code(phone: str, code: str, ttl_minutes: int) -> None:
    sms_sender().send(phone, f"【网格通】您的登录验证码是 {code}，{ttl_minutes} 分钟内有效。如非本人操作，请忽略。")


@job(queue=QUEUE_NOTIFY, timeout=30, retries=3)
def sms_hotline_follow_up(city_id: int, follow_up_id: int) -> None:
    """The 12345 caller's follow-up link (回访), once; the phone and the link are made here, never queued."""
    hotline.send_sms(city_id, follow_up_id, sms_sender().send)
