"""Dynamic providers over the Netlify API v1, one module per API object."""
