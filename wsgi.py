"""WSGI entry point for production servers, configured from the environment.

    gunicorn --worker-class gthread --threads 8 wsgi:app

Flask-SocketIO needs sticky sessions behind a load balancer and, with several
processes, `SERVICEDESK_REDIS_URL` for its message queue.
"""

from servicedesk.app import create_app

app = create_app()
