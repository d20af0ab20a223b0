# escape=`
FROM python:3.12-slim
RUN echo one `
    && echo two
COPY C:\\not\\a\\windows\\path /app/
ENTRYPOINT python -m app `
    --flag
