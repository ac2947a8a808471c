"""Database policies: Supabase connections are encrypted and restricted; production data is protected."""
