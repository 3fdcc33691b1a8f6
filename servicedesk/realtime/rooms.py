"""Every Socket.IO room name is built here, so emitters and joiners always agree."""


def console() -> str:
    """All signed-in agents: inbox counts and new requests."""
    return "console"


def agent(agent_id: int) -> str:
    """One agent: assignments, mentions, desktop notifications."""
    return f"agent:{agent_id}"


def request(request_id: int) -> str:
    """Agents viewing one request: new messages, presence, typing."""
    return f"request:{request_id}"


def conversation(request_id: int) -> str:
    """The customer's chat widget for one conversation."""
    return f"conversation:{request_id}"


def portal_request(request_id: int) -> str:
    """Help centre pages showing one request to its customer: a reply or status arrived."""
    return f"portal-request:{request_id}"


def sales_board() -> str:
    """Reps looking at the sales board: a deal moved, so their board refreshes."""
    return "sales-board"


CHAT_NAMESPACE = "/chat"
CONSOLE_NAMESPACE = "/console"
PORTAL_NAMESPACE = "/portal"


def namespace_of(room: str) -> str:
    """Conversation rooms live on the widget's namespace, the help centre's on the portal's,
    every other room on the console's."""
    if room.startswith("conversation:"):
        return CHAT_NAMESPACE
    if room.startswith("portal-request:"):
        return PORTAL_NAMESPACE
    return CONSOLE_NAMESPACE
