// name: agreement-facts
// purpose: Agreements of three or more parties, with status, dates, parties, technologies and the forums they work under (the active rule is applied in memory).
// params: none
// returns: id, status, start, end, parties, technologies, auspices
MATCH (a:Agreement)
WITH a, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties
WHERE size(parties) >= 3
RETURN a.id AS id, a.status AS status, a.start AS start, a.end AS end,
       parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)-[:UNDER*0..]->(:Agreement)-[:UNDER_AUSPICES_OF]->(f:Forum) | f.id] AS auspices
