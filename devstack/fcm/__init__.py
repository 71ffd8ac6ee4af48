"""The FCM HTTP v1 stand-in of the local stack (never deployed): see devstack.fcm.standin."""

from devstack.fcm.oauth import FIREBASE_MESSAGING_SCOPE, GOOGLE_TOKEN_ENDPOINT, JWT_BEARER_GRANT
from devstack.fcm.standin import DEFAULT_PROJECT_ID, FcmStandIn, point_firebase_admin_at

__all__ = [
    "DEFAULT_PROJECT_ID",
    "FIREBASE_MESSAGING_SCOPE",
    "GOOGLE_TOKEN_ENDPOINT",
    "JWT_BEARER_GRANT",
    "FcmStandIn",
    "point_firebase_admin_at",
]
