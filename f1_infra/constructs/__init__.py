"""One construct per concern of the platform; each takes the environment's configuration."""
