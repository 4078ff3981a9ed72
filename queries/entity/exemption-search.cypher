// name: exemption-search
// purpose: Exemptions whose id or citation contains the search text, one page at a time.
// params: q: string?; offset: int = 0; limit: int = 50
// returns: total, items
MATCH (e:Exemption)
WHERE $q IS NULL OR toLower(e.id) CONTAINS toLower($q) OR toLower(coalesce(e.citation, '')) CONTAINS toLower($q)
WITH e ORDER BY e.id
WITH collect(e {.id, .citation, .effective, .until}) AS found
RETURN size(found) AS total, found[$offset..($offset + $limit)] AS items
