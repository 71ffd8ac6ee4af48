"""Where a user's sync sequence starts: its own module, so the erasure code (imported by every function
that writes) need not import the sync domain to know it."""

# The sequence starts above zero: WatermelonDB rejects a timestamp of 0, and a user with no data
# must get a timestamp that the first change will still be after.
INITIAL_SEQ = 1
