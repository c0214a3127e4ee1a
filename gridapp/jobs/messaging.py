"""Jobs that deliver messages to people."""
from __future__ import annotations

from gridapp.integrations.sms import sms_sender
from gridapp.jobs import QUEUE_NOTIFY, job


@job(queue=QUEUE_NOTIFY, timeout=30, retries=3, sensitive=True)
def send_login_code(phone: str, code: str, ttl_minutes: int) -> None:
    sms_sender().send(phone, f"【网格通】您的登录验证码是 {code}，{ttl_minutes} 分钟内有效。如非本人操作，请忽略。")
