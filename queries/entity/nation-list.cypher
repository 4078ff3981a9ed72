// name: nation-list
// purpose: Every nation with its aliases and region, for the nations list and search.
// params: none
// returns: code, name, aliases, region
MATCH (n:Nation)
RETURN n.code AS code, n.name AS name, coalesce(n.aliases, []) AS aliases, n.region AS region
ORDER BY code
