# stkg image for shared deployments next to Neo4j (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY ingest ingest
COPY queries queries
COPY api api
RUN pip install --no-cache-dir .
ENV STKG_DATA_DIR=/data
EXPOSE 8000
ENTRYPOINT ["stkg"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
