"""Project wiring: settings, URLs, WSGI and the site-wide account views."""
