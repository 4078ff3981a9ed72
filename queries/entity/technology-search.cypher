// name: technology-search
// purpose: Technologies whose id or name contains the search text, one page at a time.
// params: q: string?; offset: int = 0; limit: int = 50
// returns: total, items
MATCH (t:Technology)
WHERE $q IS NULL OR toLower(t.id) CONTAINS toLower($q) OR toLower(t.name) CONTAINS toLower($q)
WITH t ORDER BY t.id
WITH collect(t {.id, .name, .scheme, .priority}) AS found
RETURN size(found) AS total, found[$offset..($offset + $limit)] AS items
