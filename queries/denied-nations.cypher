// name: denied-nations
// purpose: Nations under an ITAR 126.1 denial in force as of a date that no exemption in force lifts for them.
// params: as_of: date = today
// returns: nation, restrictions, citations
MATCH (r:Restriction)-[:APPLIES_TO]->(n:Nation)
WHERE r.kind = 'ITAR_126_1' AND r.effect = 'deny'
  AND (r.effective IS NULL OR r.effective <= $as_of)
  AND (r.until IS NULL OR r.until >= $as_of)
  AND NOT EXISTS {
    MATCH (r)<-[:OVERRIDES]-(e:Exemption)-[:BENEFITS]->(n)
    WHERE (e.effective IS NULL OR e.effective <= $as_of) AND (e.until IS NULL OR e.until >= $as_of)
  }
WITH n, collect(r.id) AS restrictions, collect(coalesce(r.citation, r.id)) AS citations
RETURN n.code AS nation, restrictions, citations
ORDER BY nation
