"""User-facing surfaces: the `stkg` CLI, the FastAPI app, web pages and pictures."""
