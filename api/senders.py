"""Who a resident is to 智慧杨: the sender id, one rule for every way in.

The chat page makes a random id and keeps it in the browser; WeChat residents are
`wx:<openid>`. The id is also the key to the resident's own tickets (我的工单), so it must
be long enough not to be guessed, and the same id must be accepted everywhere: a sender
that can file a ticket can list it.
"""

from typing import Final

# 16–128 characters of letters, digits and _ . : -, not starting with . or :.
SENDER_ID_PATTERN: Final = r"^[A-Za-z0-9_\-][A-Za-z0-9_.:\-]{15,127}$"
SENDER_ID_RULE: Final = "16–128 个字符，只能是字母、数字和 _ . : -"
# A WeChat follower is this prefix and their openid.
WECHAT_SENDER_PREFIX: Final = "wx:"
