// name: equitability-facts
// purpose: Active agreements with each party's contribution and benefit values (null where not given).
// params: as_of: date = today
// returns: agreement, nation, contribution_value, benefit_value
MATCH (n:Nation)-[r:PARTY_TO]->(a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
RETURN a.id AS agreement, n.code AS nation, r.contribution_value AS contribution_value,
       r.benefit_value AS benefit_value
ORDER BY agreement, nation
