// name: agreement-facts-of
// purpose: agreement-facts for the agreements given only (a snapshot patches in an ingest's changes with it).
// params: ids: list
// returns: id, status, start, end, parties, technologies, auspices
MATCH (a:Agreement) WHERE a.id IN $ids
WITH a, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties
WHERE size(parties) >= 3
RETURN a.id AS id, a.status AS status, a.start AS start, a.end AS end,
       parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)-[:UNDER*0..]->(:Agreement)-[:UNDER_AUSPICES_OF]->(f:Forum) | f.id] AS auspices
