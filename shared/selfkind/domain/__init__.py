"""Pure logic: no boto3, no firebase_admin, no HTTP."""
