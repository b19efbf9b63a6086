"""The REST API (`/api/v1`): routers, schemas, and the dependencies that decide who is asking."""
