"""`catalog score --engine spark`: the same scoring as the local engine as a PySpark job, for
catalogues beyond one machine (`job.py` on the driver, `partitions.py` on the executors,
`jdbc.py` how Spark reaches the database)."""
