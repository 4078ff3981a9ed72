// name: nation-search
// purpose: Nations whose code, name or an alias contains the search text, one page at a time.
// params: q: string?; offset: int = 0; limit: int = 50
// returns: total, items
MATCH (n:Nation)
WHERE $q IS NULL
   OR toLower(n.code) CONTAINS toLower($q)
   OR toLower(n.name) CONTAINS toLower($q)
   OR any(alias IN coalesce(n.aliases, []) WHERE toLower(alias) CONTAINS toLower($q))
WITH n ORDER BY n.code
WITH collect(n {.code, .name, .region}) AS found
RETURN size(found) AS total, found[$offset..($offset + $limit)] AS items
