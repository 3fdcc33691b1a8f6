"""Web chat adapter: Socket.IO payloads from the widget to InboundMessage and back."""

from channels.webchat.adapter import WebchatAdapter, to_inbound, widget_payload
from channels.webchat.tokens import Visitor, VisitorTokens

__all__ = ["Visitor", "VisitorTokens", "WebchatAdapter", "to_inbound", "widget_payload"]
