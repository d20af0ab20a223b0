"""A celery app with an in-memory broker, for the server probes."""
from celery import Celery

app = Celery('tasks', broker='memory://')


@app.task
def add(x: int, y: int) -> int:
    return x + y
