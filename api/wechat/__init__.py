"""The WeChat Official Account (公众号) channel: residents chat with 智慧杨 from WeChat."""
