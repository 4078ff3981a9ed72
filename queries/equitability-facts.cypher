// name: equitability-facts
// purpose: Every party link with its agreement's status and dates and the party's contribution and benefit values (null where not given).
// params: none
// returns: agreement, status, start, end, nation, contribution_value, benefit_value
MATCH (n:Nation)-[r:PARTY_TO]->(a:Agreement)
RETURN a.id AS agreement, a.status AS status, a.start AS start, a.end AS end, n.code AS nation,
       r.contribution_value AS contribution_value, r.benefit_value AS benefit_value
ORDER BY agreement, nation
