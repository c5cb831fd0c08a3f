"""What staff do: review applications, pair youths with mentors, and the staff-only
commands of Slack (`router`)."""

__all__ = ["pairing", "people", "review", "router"]
