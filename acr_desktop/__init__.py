"""ACR Desktop: look inside container images in OCI / Docker registries."""

__version__ = "0.1.0"
