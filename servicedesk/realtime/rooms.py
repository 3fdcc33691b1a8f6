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


def sales_board() -> str:
    """Reps looking at the sales board: a deal moved, so their board refreshes."""
    return "sales-board"


CHAT_NAMESPACE = "/chat"
CONSOLE_NAMESPACE = "/console"


def namespace_of(room: str) -> str:
    """Conversation rooms live on the widget's namespace, every other room on the console's."""
    return CHAT_NAMESPACE if room.startswith("conversation:") else CONSOLE_NAMESPACE
