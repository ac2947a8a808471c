"""Dynamic providers over the Netlify and Supabase REST APIs, on one shared HTTP client."""
