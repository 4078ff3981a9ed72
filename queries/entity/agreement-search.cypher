// name: agreement-search
// purpose: Agreements whose id or title contains the search text, one page at a time.
// params: q: string?; offset: int = 0; limit: int = 50
// returns: total, items
MATCH (a:Agreement)
WHERE $q IS NULL OR toLower(a.id) CONTAINS toLower($q) OR toLower(a.title) CONTAINS toLower($q)
WITH a ORDER BY a.id
WITH collect(a {.id, .title, .type, .status, .start, .end}) AS found
RETURN size(found) AS total, found[$offset..($offset + $limit)] AS items
