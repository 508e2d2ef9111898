"""The Open Inference Protocol (KServe V2, REST) for every model of the repository, with Triton's
binary tensor data extension: what tritonclient, KServe's clients and Seldon's speak."""
