FROM python:3.12-slim
RUN apt-get update \
 # a comment inside the continuation
 && apt-get install -y --no-install-recommends \
      curl \

      ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV A=1 \
    B="two words" \
    C=three
LABEL x="a \\" y=z
CMD python -m http.server \
    --bind 0.0.0.0 \
    8000 # serve files
