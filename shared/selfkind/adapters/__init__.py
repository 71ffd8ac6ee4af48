"""Adapters to outside services: idempotency store, SQS, Firebase messaging, Secrets Manager."""
