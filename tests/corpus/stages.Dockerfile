ARG BASE=python:3.12-slim
FROM ${BASE} AS deps
RUN pip install --no-cache-dir flask==3.0.3
FROM deps AS test
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
CMD pytest -q | tee /tmp/report
FROM deps
COPY --from=test /tmp /tmp
STOPSIGNAL SIGINT
USER 1000:1000
CMD cd /app && FLASK_APP=app flask run --host=0.0.0.0
