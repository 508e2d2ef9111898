"""The category model, served: `POST /predict/category`, products with a base64 photo."""
