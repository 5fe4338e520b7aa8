"""The admin API for HR's tools: routes, their OpenAPI document and their rate limit."""

__all__ = ["openapi", "rate_limit", "routes"]
