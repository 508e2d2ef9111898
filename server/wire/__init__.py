"""Wire formats: request/response Structs and their decoding with limits."""
