-- One row per existing product: its title, the URL of its most relevant image
-- (image_index = 0, NULL if it has none) and its description for the given country
-- (the translation where there is one, else the original; NULL if it has none).
-- LEFT JOINs keep products without images or descriptions; the unique constraints on
-- (product_id, image_index) and (product_id, country_code) make each join match at most
-- one row, so no product is repeated.
SELECT
    p.product_id,
    p.title,
    i.url AS image_url,
    COALESCE(d.translated_text, d.original_text) AS description
FROM product AS p
LEFT JOIN image AS i
    ON i.product_id = p.product_id
   AND i.image_index = 0
LEFT JOIN product_description AS d
    ON d.product_id = p.product_id
   AND d.country_code = :country_code
ORDER BY p.product_id
