"""Every port of the domain: what it needs from storage, the queue, Lambda and the push service, as
Protocols (implemented in selfkind.data and selfkind.adapters; tests hand in the fakes of tests/fakes.py
and tests/sync_fakes.py), and the values that cross them. One module per capability:

- account: devices, reminders, settings and engagement, erasure, and the account's stores together;
- sync: the synced records, their writes and the sync head;
- tick: the due index, the shard leases and the queue;
- delivery: notification claims and completions, and what the sender reads;
- push: the push service (FCM through firebase-admin);
- progress: the insights rollups a person's progress reads;
- presence: the unopened streak a return resets (apart, so a sync builds no reminder models for it);
- stores: the stores each use case is handed together.

The domain never imports boto3, firebase_admin or Powertools (tests/unit/test_architecture.py).
"""
