"""Flask-SocketIO namespaces and the notifier that pushes domain events to them."""
