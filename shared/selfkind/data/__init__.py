"""DynamoDB repositories: the only code that touches the table."""
