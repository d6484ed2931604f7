"""HTTP APIs of the agents: :func:`agent.api.app.create_app` mounts the admin router (:mod:`agent.api.admin`) and
the other routers that exist (the W3C VC API, :mod:`agent.api.vc_api`)."""
