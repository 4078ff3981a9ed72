// name: forum-search
// purpose: Forums whose id or name contains the search text, one page at a time.
// params: q: string?; offset: int = 0; limit: int = 50
// returns: total, items
MATCH (f:Forum)
WHERE $q IS NULL OR toLower(f.id) CONTAINS toLower($q) OR toLower(f.name) CONTAINS toLower($q)
WITH f ORDER BY f.id
WITH collect(f {.id, .name, .kind}) AS found
RETURN size(found) AS total, found[$offset..($offset + $limit)] AS items
