"""The product catalogue database: schema, the extraction query, demo loading, batch scoring."""
