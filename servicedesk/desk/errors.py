"""Domain errors; views map them to responses."""


class DeskError(Exception):
    """Base class: a rule of the desk refused the operation."""


class NotFound(DeskError):
    """The request, message or agent does not exist."""


class InvalidChange(DeskError):
    """The change is not allowed in the request's current state."""


class StaleReply(DeskError):
    """New messages arrived after the agent opened the request; show them before sending."""

    def __init__(self, newer_message_ids: list[int]) -> None:
        super().__init__(f"{len(newer_message_ids)} newer message(s) arrived")
        self.newer_message_ids = newer_message_ids
