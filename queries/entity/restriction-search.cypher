// name: restriction-search
// purpose: Restrictions whose id, kind or citation contains the search text, one page at a time.
// params: q: string?; offset: int = 0; limit: int = 50
// returns: total, items
MATCH (r:Restriction)
WHERE $q IS NULL
   OR toLower(r.id) CONTAINS toLower($q)
   OR toLower(r.kind) CONTAINS toLower($q)
   OR toLower(coalesce(r.citation, '')) CONTAINS toLower($q)
WITH r ORDER BY r.id
WITH collect(r {.id, .kind, .effect, .citation, .effective, .until}) AS found
RETURN size(found) AS total, found[$offset..($offset + $limit)] AS items
