"""Portal adapter: the help centre's contact form to InboundMessage."""
