// name: nation-partners
// purpose: A nation's partners: nations party with it to active agreements, with how many they share.
// params: code: nation; as_of: date = today
// returns: nation, name, shared
MATCH (n:Nation {code: $code})-[:PARTY_TO]->(a:Agreement)<-[:PARTY_TO]-(p:Nation)
WHERE p <> n
  AND coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
WITH p, count(DISTINCT a) AS shared
RETURN p.code AS nation, p.name AS name, shared
ORDER BY shared DESC, nation
