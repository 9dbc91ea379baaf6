"""Which webhook URLs are refused: private, loopback, link-local, metadata, odd schemes."""

import pytest

from api.webhooks.urls import URLPolicy, WebhookURLError, address_refusal, check_url

STRICT = URLPolicy()
NAMES = {
    "intranet.example": ["10.1.2.3"],
    "mixed.example": ["93.184.216.34", "192.168.1.10"],
    "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    """A DNS that knows a few names and nothing else (no network in tests)."""
    if host not in NAMES:
        raise OSError("name not known")
    return NAMES[host]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.8/hook", "内网地址"),
        ("http://172.16.5.4/hook", "内网地址"),
        ("http://192.168.1.1:8080/hook", "内网地址"),
        ("http://127.0.0.1:9000/hook", "本机回环地址"),
        ("http://127.8.8.8/hook", "本机回环地址"),
        ("http://169.254.169.254/latest/meta-data/", "链路本地地址"),
        ("http://169.254.10.1/", "链路本地地址"),
        ("http://100.64.0.1/", "运营商级 NAT"),
        ("http://0.0.0.0:8000/", "未指定地址"),
        ("http://224.0.0.251/", "组播地址"),
        ("http://[::1]:8000/hook", "本机回环地址"),
        ("http://[fd00::1]/hook", "内网地址"),
        ("http://[fe80::1]/hook", "链路本地地址"),
        ("http://[::]/hook", "未指定地址"),
        ("http://[ff02::1]/hook", "组播地址"),
        ("http://[::ffff:127.0.0.1]/hook", "本机回环地址"),
        ("http://[::ffff:169.254.169.254]/hook", "链路本地地址"),
        ("http://[64:ff9b::a00:1]/hook", "内网地址"),
        ("http://[2002:c0a8:101::1]/hook", "内网地址"),
        ("http://[fec0::1]/hook", "内网地址"),
        ("http://[::127.0.0.1]/hook", "保留地址"),
        ("http://192.0.2.10/hook", "保留地址"),
        ("http://198.18.0.1/hook", "保留地址"),
        ("http://[2001:db8::1]/hook", "保留地址"),
        ("http://intranet.example/hook", "内网地址"),
        ("http://mixed.example/hook", "内网地址"),
        ("ftp://93.184.216.34/hook", "只支持 http:// 或 https://"),
        ("file:///etc/passwd", "只支持 http:// 或 https://"),
        ("gopher://93.184.216.34/", "只支持 http:// 或 https://"),
        ("javascript:alert(1)", "只支持 http:// 或 https://"),
        ("http:///hook", "缺少主机名"),
        ("https://user:pass@93.184.216.34/hook", "不能包含用户名或密码"),
        ("http://93.184.216.34:99999/", "格式不正确"),
        ("http://unknown.example/hook", "无法解析主机名"),
        ("https://93.184.216.34/" + "a" * 500, "不超过 500"),
        ("", "不能为空"),
    ],
)
def test_refused_urls_say_why_in_chinese(url: str, reason: str) -> None:
    with pytest.raises(WebhookURLError) as refused:
        check_url(url, STRICT, fake_resolver)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hooks/laoyang",
        "http://8.8.8.8:8080/hook?station=1",
        "https://[2606:4700:4700::1111]/hook",
        "https://public.example/hook",
        "HTTPS://public.example./hook",
    ],
)
def test_public_addresses_are_accepted(url: str) -> None:
    checked = check_url(url, STRICT, fake_resolver)
    assert checked.addresses
    assert checked.scheme == "https" or checked.scheme == "http"


def test_names_are_resolved_by_the_system_resolver() -> None:
    with pytest.raises(WebhookURLError, match="本机回环地址"):
        check_url("http://localhost:8000/hook", STRICT)


@pytest.mark.parametrize(
    "url",
    ["http://0x7f000001/", "http://2130706433/", "http://127.1/", "http://localhost./"],
)
def test_odd_spellings_of_loopback_are_refused(url: str) -> None:
    """Whatever the resolver makes of them, they never reach 127.0.0.1."""
    # Refused as loopback: a name the resolver cannot find would be refused too.
    with pytest.raises(WebhookURLError, match="本机回环地址"):
        check_url(url, STRICT)


def test_port_defaults_follow_the_scheme() -> None:
    assert check_url("https://public.example/h", STRICT, fake_resolver).port == 443
    assert check_url("http://public.example/h", STRICT, fake_resolver).port == 80


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://[::1]:9000/hook",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/",
        "http://intranet.example/hook",
    ],
)
def test_private_targets_allowed_when_configured(url: str) -> None:
    policy = URLPolicy.from_settings(allow_private=True, networks="")
    assert check_url(url, policy, fake_resolver).addresses


def test_an_allow_list_opens_only_its_networks() -> None:
    policy = URLPolicy.from_settings(allow_private=False, networks="10.1.0.0/16, ::1/128")
    assert check_url("http://intranet.example/hook", policy, fake_resolver)
    assert check_url("http://[::1]:8000/hook", policy, fake_resolver)
    with pytest.raises(WebhookURLError, match=r"10\.2\.0\.1 属于内网地址"):
        check_url("http://10.2.0.1/hook", policy, fake_resolver)
    with pytest.raises(WebhookURLError, match=r"127\.0\.0\.1 属于本机回环地址"):
        check_url("http://127.0.0.1/hook", policy, fake_resolver)
    assert address_refusal("169.254.169.254", policy) is not None
    # Schemes stay limited whatever the policy.
    with pytest.raises(WebhookURLError, match="只支持 http:// 或 https://"):
        check_url("ftp://10.1.2.3/hook", policy, fake_resolver)
