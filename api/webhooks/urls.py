"""Which webhook URLs we are willing to call.

A webhook makes our server send requests on a station's behalf, so a careless
or hostile URL could reach the district's internal network or a cloud metadata
endpoint (server-side request forgery). Only http/https URLs whose host
resolves exclusively to public addresses are accepted, unless a setting allows
private ranges (a local receiver in tests, an integration inside the district's
network). The check runs when a subscription is registered and again before
every delivery, and the delivery connects to the very address that was checked,
so a DNS answer that changes in between (DNS rebinding) gains nothing.
"""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

MAX_URL_LENGTH = 500
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_PRIVATE = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
    ipaddress.IPv6Network("fc00::/7"),
)


class WebhookURLError(ValueError):
    """A URL we refuse to call; the message (Chinese) tells staff why."""


@dataclass(frozen=True)
class URLPolicy:
    """Whether non-public addresses are allowed: all of them, or some networks."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, allow_private: bool, networks: str) -> "URLPolicy":
        """Build from WEBHOOK_ALLOW_PRIVATE and WEBHOOK_ALLOWED_NETWORKS (comma-separated CIDRs)."""
        parsed = tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in networks.split(",")
            if part.strip()
        )
        return cls(allow_private=allow_private, allowed_networks=parsed)


@dataclass(frozen=True)
class CheckedURL:
    """A URL that passed the policy, with the addresses its host resolved to."""

    url: str
    scheme: str
    hostname: str
    port: int
    addresses: tuple[str, ...]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for a host (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _category(address: IPAddress) -> str | None:
    """Why an address is not public, in words staff understand; None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _category(embedded)
    if address.is_unspecified:
        return "未指定地址"
    if address.is_loopback:
        return "本机回环地址"
    if address.is_link_local:
        return "链路本地地址（含云主机元数据服务 169.254.169.254）"
    if address.is_multicast:
        return "组播地址"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "运营商级 NAT 地址（100.64.0.0/10）"
    if any(address in network for network in _PRIVATE if network.version == address.version):
        return "内网地址"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "内网地址"
    if not address.is_global or address.is_reserved:
        return "保留地址"
    return None


def address_refusal(address: str, policy: URLPolicy) -> str | None:
    """The reason an address may not be called under the policy, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    category = _category(ip)
    if category is None or policy.allow_private:
        return None
    if any(ip in network for network in policy.allowed_networks if network.version == ip.version):
        return None
    return f"目标地址 {ip} 属于{category}，不允许作为回调地址"


def check_url(url: str, policy: URLPolicy, resolver: Resolver = system_resolver) -> CheckedURL:
    """Parse, resolve and vet a webhook URL; WebhookURLError (422 to staff) when refused."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise WebhookURLError(f"回调地址不能为空，且不超过 {MAX_URL_LENGTH} 个字符")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise WebhookURLError("回调地址含有不可见的控制字符")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookURLError("回调地址格式不正确") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise WebhookURLError("回调地址只支持 http:// 或 https://")
    if not parts.hostname:
        raise WebhookURLError("回调地址缺少主机名")
    if parts.username is not None or parts.password is not None:
        raise WebhookURLError("回调地址中不能包含用户名或密码，请用签名校验来源")
    if parts.fragment:
        raise WebhookURLError("回调地址不能包含 # 片段")
    hostname = parts.hostname.rstrip(".")
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(hostname, port, resolver)
    refusals = [reason for reason in (address_refusal(a, policy) for a in addresses) if reason]
    if refusals:
        raise WebhookURLError(refusals[0])
    return CheckedURL(url, scheme, hostname, port, tuple(addresses))


def _resolve(hostname: str, port: int, resolver: Resolver) -> list[str]:
    try:
        return [str(ipaddress.ip_address(hostname))]
    except ValueError:
        pass
    try:
        addresses = resolver(hostname, port)
    except (OSError, UnicodeError) as exc:
        raise WebhookURLError(f"无法解析主机名 {hostname}，请检查回调地址") from exc
    if not addresses:
        raise WebhookURLError(f"无法解析主机名 {hostname}，请检查回调地址")
    return addresses
