"""Security-header policies: they read the rendered `_headers` file, i.e. what Netlify will serve."""
