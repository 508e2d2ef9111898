"""The brief's JSON API: `POST /predict` (and `/infer`) for the pattern model, `POST
/predict/category` for the category model, each answering with the model its setting names
(SERVE_PATTERN_MODEL, SERVE_CATEGORY_MODEL). Thin adapters over the same inference path as the
Open Inference Protocol (server/v2/)."""
