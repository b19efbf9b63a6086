"""The web server: one ASGI app serving the REST API and the portal."""
