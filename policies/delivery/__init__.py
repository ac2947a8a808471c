"""Delivery policies: production deployments need approval, come from vetted refs, and main is guarded."""
