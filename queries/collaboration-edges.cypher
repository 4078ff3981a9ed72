// name: collaboration-edges
// purpose: Pairs of nations that share active agreements, weighted by how many they share.
// params: as_of: date = today
// returns: source, target, weight
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
WITH a, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties
UNWIND parties AS x
UNWIND parties AS y
WITH x, y, a
WHERE x < y
RETURN x AS source, y AS target, count(DISTINCT a) AS weight
ORDER BY source, target
