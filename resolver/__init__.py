"""DID resolution: method dispatch, TTL cache with offline fallback, DID Resolution and pkarr HTTP APIs."""
