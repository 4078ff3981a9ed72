// name: strengths
// purpose: Foreign S&T strength (1..3) of each rated nation, as "technology=strength" texts (compact to transfer).
// params: none
// returns: nation, strengths
MATCH (n:Nation)
WHERE EXISTS { MATCH (n)-[:STRENGTH_IN]->(:Technology) }
RETURN n.code AS nation,
       [(n)-[r:STRENGTH_IN]->(t:Technology) | t.id + '=' + toString(r.strength)] AS strengths
ORDER BY nation
