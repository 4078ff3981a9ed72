// name: strengths
// purpose: Foreign S&T strength (1..3) of each nation in each technology.
// params: none
// returns: nation, technology, strength
MATCH (n:Nation)-[r:STRENGTH_IN]->(t:Technology)
RETURN n.code AS nation, t.id AS technology, r.strength AS strength
ORDER BY nation, technology
