"""cohesion-sim's Hydra plug-ins (Hydra finds launchers only in ``hydra_plugins``)."""
