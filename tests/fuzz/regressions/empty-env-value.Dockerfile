FROM python:3.12-slim
ENV PYTHONUNBUFFERED=
CMD python app.py
