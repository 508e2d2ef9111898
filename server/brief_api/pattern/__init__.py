"""The pattern model, served: `POST /predict` (and `/infer`), products with name and description."""
