"""Selfkind: the project's own code, deployed as a Lambda layer.

Data flows one way: functions (handlers) -> domain -> data / adapters.
"""
