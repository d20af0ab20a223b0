FROM python:3.12-slim
	WORKDIR /app
LABEL description="Ünïcödé ✓"
CMD	python	app.py	--greeting	"¡hola!" \
	--name=Zoë
