"""Live events out: room names and the notifiers behind the `Notifier` port.

Below the container, the dispatcher and the jobs, which all emit; the Socket.IO
namespaces that clients connect to (`servicedesk.sockets`) sit above them.
"""
