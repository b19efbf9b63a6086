"""The portal: server-rendered pages (Jinja2) made lively with htmx; no JavaScript build."""
