"""Every route of the HTTP API, by method and path template. Generated from the API functions'
resolvers by `make openapi` (devstack/openapi.py): never edit it by hand."""

API_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("DELETE", "/v1/devices/{device_id}"),
        ("DELETE", "/v1/me"),
        ("DELETE", "/v1/reminders/{reminder_id}"),
        ("DELETE", "/v1/shares/{share_id}"),
        ("GET", "/s/{token}"),
        ("GET", "/v1/affirmations"),
        ("GET", "/v1/devices"),
        ("GET", "/v1/exercises"),
        ("GET", "/v1/exercises/{exercise_id}"),
        ("GET", "/v1/guides"),
        ("GET", "/v1/guides/{guide_id}"),
        ("GET", "/v1/insights"),
        ("GET", "/v1/instruments/scs-sf"),
        ("GET", "/v1/me/export"),
        ("GET", "/v1/me/settings"),
        ("GET", "/v1/notifications/{notification_id}"),
        ("GET", "/v1/programs"),
        ("GET", "/v1/programs/{program_id}"),
        ("GET", "/v1/prompts"),
        ("GET", "/v1/prompts/{prompt_id}"),
        ("GET", "/v1/reminders"),
        ("GET", "/v1/shares"),
        ("GET", "/v1/suggestions"),
        ("GET", "/v1/support"),
        ("GET", "/v1/sync"),
        ("POST", "/v1/notifications/{notification_id}/opened"),
        ("POST", "/v1/shares"),
        ("POST", "/v1/sync"),
        ("PUT", "/v1/devices/{device_id}"),
        ("PUT", "/v1/me/settings"),
        ("PUT", "/v1/reminders/{reminder_id}"),
    }
)
