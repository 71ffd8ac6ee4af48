"""HTTP edge shared by the API functions: resolver set-up, problem+json, negotiation, caching, auth."""
