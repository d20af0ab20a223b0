FROM node:20-slim
ONBUILD COPY package.json /app/
ONBUILD RUN npm install
ONBUILD CMD node /app/index.js
ONBUILD ENTRYPOINT ["docker-entrypoint.sh"]
ONBUILD HEALTHCHECK CMD node /app/health.js
CMD ["node"]
