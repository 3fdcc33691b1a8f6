"""Web chat adapter: Socket.IO payloads from the widget to InboundMessage and back."""
