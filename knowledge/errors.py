"""Domain errors of the knowledge base; views map them to responses."""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class for every knowledge-base rule violation."""


class ArticleNotFound(KnowledgeError):
    """No article (or revision) with the given id."""


class InvalidTransition(KnowledgeError):
    """The article's status does not allow the requested step."""


class ReviewRequired(KnowledgeError):
    """Publishing needs a reviewer who is not the author."""


class NotAllowed(KnowledgeError):
    """The agent's roles do not allow this action (it is for reviewers and admins)."""
