"""Residents' personal data kept only as long as it is needed (PIPL Art. 19).

Once a ticket has been closed for the retention period, what the resident told
us about themselves goes; what the figures are made of stays. `sweep` runs it
(`laoyang tickets purge-personal`); `tickets`, `handoffs` and `tracker` are the
building blocks, one per place personal data lives.
"""

from typing import Final

# What is left where a resident's own words were.
REMOVED_TEXT: Final = "（已过保留期限，原话已删除）"
