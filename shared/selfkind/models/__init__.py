"""Pydantic models: requests, responses, stored items and domain exceptions."""
