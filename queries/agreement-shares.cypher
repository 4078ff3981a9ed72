// name: agreement-shares
// purpose: One agreement's parties with their contribution and benefit values, when it is active (for its page).
// params: as_of: date = today; agreement: string
// returns: agreement, nation, contribution_value, benefit_value
MATCH (n:Nation)-[r:PARTY_TO]->(a:Agreement {id: $agreement})
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
RETURN a.id AS agreement, n.code AS nation, r.contribution_value AS contribution_value,
       r.benefit_value AS benefit_value
ORDER BY nation
