"""`make bench`: figures measured beside a baseline in the same run (machines here are shared and noisy)."""
