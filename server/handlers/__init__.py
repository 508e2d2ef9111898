"""What an inference does, independent of HTTP: codec objects in, codec objects out."""
