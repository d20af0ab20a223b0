"""One app for the server probes: a Flask (WSGI) app and a bare ASGI app."""
from flask import Flask

app = Flask(__name__)


@app.route('/')
def index() -> str:
    return 'hello'


async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope['type'] == 'lifespan':
        while True:
            message = await receive()
            if message['type'] == 'lifespan.startup':
                await send({'type': 'lifespan.startup.complete'})
            elif message['type'] == 'lifespan.shutdown':
                await send({'type': 'lifespan.shutdown.complete'})
                return
    elif scope['type'] == 'http':
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'hello'})
