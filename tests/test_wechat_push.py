"""WeChat subscribe messages (订阅消息) as the push channel, against a local server standing in for
api.weixin.qq.com: the access token fetched once and shared through the database by every server,
refreshed once when WeChat refuses it, each kind's template with its fields within WeChat's lengths,
and the deliveries that can never be made skipped once instead of retried."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.config import ConfigError, load_settings
from gridapp.extensions import db
from gridapp.integrations.push import WeChatSubscribePushChannel
from gridapp.jobs import push as push_jobs
from gridapp.models import DeliveryAttempt, User, WeChatAccessToken
from gridapp.services.notifications.push import notify_and_push
from gridapp.unit_of_work import unit_of_work
from tests.conftest import make_app
from tests.support.fakes import FakeWeChat

TEMPLATES = {
    "case_new": {"template_id": "tmpl-case-new", "fields": {"thing1": "title", "thing2": "body", "time3": "time", "character_string4": "number"}},
    "nudge": {"template_id": "tmpl-nudge", "fields": {"phrase1": "title", "thing2": "body"}},
}  # fmt: skip


def channel_config(fake: FakeWeChat) -> dict:
    return {
        "PUSH_CHANNEL": "gridapp.integrations.push:WeChatSubscribePushChannel",
        "WECHAT_APPID": FakeWeChat.APPID, "WECHAT_SECRET": FakeWeChat.SECRET,
        "WECHAT_TOKEN_URL": fake.token_url, "WECHAT_SUBSCRIBE_SEND_URL": fake.send_url,
        "WECHAT_SUBSCRIBE_TEMPLATES": TEMPLATES,
    }  # fmt: skip


@pytest.fixture
def wechat(app, monkeypatch, city):
    """The fake WeChat, the app pushing through it; the grid worker bound and subscribed, the resident neither."""
    worker = city.users[Role.GRID_WORKER]
    db.session.execute(db.update(User).where(User.id == worker.id).values(wechat_openid="openid-worker"))
    db.session.commit()
    with FakeWeChat(subscribed={"openid-worker"}) as fake:
        for key, value in channel_config(fake).items():
            monkeypatch.setitem(app.config, key, value)
        yield fake


@unit_of_work
def tell(user: User, kind: str, title: str, body: str = "", target=("case", 7)) -> int:
    return notify_and_push(user.city_id, [user.id], kind, title, body, target)[0].id


def delivery(notification_id: int) -> DeliveryAttempt:
    db.session.rollback()
    return db.session.scalar(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == notification_id))


def test_the_template_of_the_kind_with_its_fields_and_one_token_for_many_messages(city, clock, wechat):
    worker = city.users[Role.GRID_WORKER]
    sent = delivery(tell(worker, "case_new", "【紧急】新的网格外案件：垃圾乱堆与建筑垃圾混放", "楼道口垃圾"))
    assert (sent.status, sent.attempts, sent.channel) == ("sent", 1, "wechat")
    [message] = wechat.messages
    assert message == {
        "touser": "openid-worker", "template_id": "tmpl-case-new", "page": "/h5/reports/7",
        "miniprogram_state": "formal", "lang": "zh_CN",
        "data": {
            "thing1": {"value": "【紧急】新的网格外案件：垃圾乱堆与建筑…"},  # 20 characters at most
            "thing2": {"value": "楼道口垃圾"},
            "time3": {"value": "2026年11月23日 17:00"},  # China time
            "character_string4": {"value": "7"},
        },
    }  # fmt: skip
    assert len(message["data"]["thing1"]["value"]) == 20

    assert delivery(tell(worker, "nudge", "王主任拍了拍您：请尽快处理", target=None)).status == "sent"
    nudged = wechat.messages[-1]
    assert nudged["data"] == {"phrase1": {"value": "王主任拍了"}, "thing2": {"value": "王主任拍了拍您：请尽快处理"}}
    assert "page" not in nudged  # a notification about nothing opens the mini-program's home
    assert wechat.token_requests == 1 and wechat.sends == ["token-1", "token-1"]


def test_the_token_is_shared_by_every_server_and_refreshed_once_when_refused(database_url, tmp_path, app, city, clock, wechat):
    worker = city.users[Role.GRID_WORKER]
    assert delivery(tell(worker, "case_new", "新案件")).status == "sent"
    same_worker = SimpleNamespace(city_id=worker.city_id, id=worker.id)  # read here: the other server has its own session
    db.session.rollback()
    other = make_app(database_url, tmp_path / "other", **channel_config(wechat))
    with other.app_context():
        assert delivery(tell(same_worker, "case_new", "另一台服务器")).status == "sent"
        db.session.remove()
    assert wechat.token_requests == 1  # the second server used the first one's token

    wechat.expire_tokens(42001)
    assert delivery(tell(worker, "case_new", "令牌过期")).status == "sent"
    assert wechat.token_requests == 2 and wechat.sends[-2:] == ["token-1", "token-2"]

    wechat._token({"appid": [FakeWeChat.APPID], "secret": [FakeWeChat.SECRET], "grant_type": ["client_credential"]})
    assert delivery(tell(worker, "case_new", "别处换了令牌")).status == "sent"  # 40001: ours is no longer the latest
    assert wechat.token_requests == 4 and wechat.sends[-2:] == ["token-2", "token-4"]

    clock.advance(timedelta(seconds=7200 - 299))  # within five minutes of its end: refreshed before use
    assert delivery(tell(worker, "case_new", "临近过期")).status == "sent"
    assert wechat.token_requests == 5 and wechat.sends[-1] == "token-5"
    db.session.rollback()
    row = db.session.scalar(select(WeChatAccessToken))
    assert (row.appid, row.token) == (FakeWeChat.APPID, "token-5")
    assert row.expires_at == clock.now() + timedelta(seconds=7200)


def test_what_can_never_be_delivered_is_skipped_once(city, clock, wechat):
    worker, resident = city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    no_wechat = delivery(tell(resident, "case_new", "未绑定微信"))
    no_template = delivery(tell(worker, "order_paid", "没有模板"))
    wechat.subscribed.clear()
    declined = delivery(tell(worker, "case_new", "用户拒收"))
    assert [(d.status, d.attempts) for d in (no_wechat, no_template, declined)] == [("skipped", 1)] * 3
    assert "未绑定微信" in no_wechat.last_error and "order_paid" in no_template.last_error and "43101" in declined.last_error
    clock.advance(timedelta(minutes=5))
    assert push_jobs.retry_deliveries() == 0
    assert wechat.messages == [] and len(wechat.sends) == 1  # only the declined one reached WeChat


def test_other_refusals_are_retried_until_they_go_through(city, clock, wechat):
    worker = city.users[Role.GRID_WORKER]
    wechat.fail_with = 45009  # WeChat's daily limit
    failed = delivery(tell(worker, "case_new", "稍后重试"))
    assert (failed.status, failed.attempts) == ("pending", 1) and "45009" in failed.last_error
    wechat.fail_with = 0
    clock.advance(timedelta(minutes=2))
    assert push_jobs.retry_deliveries() == 1
    again = delivery(failed.notification_id)
    assert (again.status, again.attempts, again.last_error) == ("sent", 2, "")
    assert len(wechat.messages) == 1


def test_field_values_fit_their_types():
    note = SimpleNamespace(
        id=3, title="标题" * 20, body="", target_id=None, created_at=datetime(2026, 1, 5, 1, 2, tzinfo=timezone.utc)
    )
    value = WeChatSubscribePushChannel.value
    assert value("thing1", "title", note) == "标题" * 9 + "标…" and len(value("thing1", "title", note)) == 20
    assert value("thing2", "body", note) == value("thing1", "title", note)  # no body: the title
    assert value("phrase3", "title", note) == "标题标题标"
    assert value("short_thing4", "title", note) == "标题标题…"
    assert value("character_string5", "title", note) == ("标题" * 16)[:32]
    assert value("number6", "number", note) == "3"  # about nothing: the notification's own number
    assert value("time7", "time", note) == "2026年1月5日 09:02"


@pytest.mark.parametrize(
    "raw",
    [
        "not json", '["case_new"]', '{"case_new": {"fields": {"thing1": "title"}}}',
        '{"case_new": {"template_id": "t", "fields": {"thing1": "phone"}}}',
        '{"case_new": {"template_id": "t", "fields": {"first": "title"}}}', '{"case_new": "t"}',
    ],
)  # fmt: skip
def test_a_template_setting_that_cannot_work_stops_the_start(tmp_path, raw):
    with pytest.raises(ConfigError, match="WECHAT_SUBSCRIBE_TEMPLATES"):
        load_settings(tmp_path, env={"WECHAT_SUBSCRIBE_TEMPLATES": raw})
    parsed = load_settings(tmp_path, env={"WECHAT_SUBSCRIBE_TEMPLATES": '{"nudge": {"template_id": "t", "fields": {"thing1": "body"}}}'})
    assert parsed["WECHAT_SUBSCRIBE_TEMPLATES"] == {"nudge": {"template_id": "t", "fields": {"thing1": "body"}}}
