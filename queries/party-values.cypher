// name: party-values
// purpose: Every PARTY_TO relationship with the party's contribution and benefit values (equitability's read).
// params: none
// returns: agreement, nation, contribution_value, benefit_value
MATCH (n:Nation)-[r:PARTY_TO]->(a:Agreement)
RETURN a.id AS agreement, n.code AS nation,
       r.contribution_value AS contribution_value, r.benefit_value AS benefit_value
