"""WSGI entry point for production servers, configured from the environment.

    gunicorn --worker-class gevent --workers 1 wsgi:app

gunicorn's gevent worker patches the standard library before loading this module, so the
app runs Socket.IO on gevent as `servicedesk serve` does. Flask-SocketIO needs sticky
sessions behind a load balancer and, with several processes, `SERVICEDESK_REDIS_URL` for
its message queue.
"""

from servicedesk.app import create_app

app = create_app()
