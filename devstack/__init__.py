"""The local stack (never deployed): gateway, embedded AWS (moto), JWT issuer, function workers.

Everything it serves is read from template.yaml, so the local stack cannot drift from what deploys.
"""
