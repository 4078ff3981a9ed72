// name: duplicates
// purpose: Definitional form of duplicates: pairs of active agreements with equal or nested party sets covering a common technology (or one an ancestor of the other's), neither under the other, neither a deliberate redundancy.
// params: as_of: date = today
// returns: agreement_a, agreement_b, parties, technologies, components, cross_component, relation, same_type
MATCH (a:Agreement)<-[:PARTY_TO]-(:Nation)-[:PARTY_TO]->(b:Agreement)
WHERE a.id < b.id
WITH DISTINCT a, b
WHERE coalesce(a.status, 'active') = 'active' AND coalesce(b.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of)
  AND (b.start IS NULL OR b.start <= $as_of) AND (b.end IS NULL OR b.end >= $as_of)
  AND NOT coalesce(a.deliberate_redundancy, false) AND NOT coalesce(b.deliberate_redundancy, false)
  AND NOT EXISTS { MATCH (a)-[:UNDER*1..]->(b) }
  AND NOT EXISTS { MATCH (b)-[:UNDER*1..]->(a) }
WITH a, b, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS pa, [(b)<-[:PARTY_TO]-(n:Nation) | n.code] AS pb
WHERE all(x IN pa WHERE x IN pb) OR all(x IN pb WHERE x IN pa)
WITH a, b, pa, pb,
     [(a)-[:COVERS]->(t:Technology) WHERE EXISTS { MATCH (t)-[:BROADER*0..]->(:Technology)<-[:COVERS]-(b) } | t.id] +
     [(b)-[:COVERS]->(t:Technology) WHERE EXISTS { MATCH (t)-[:BROADER*0..]->(:Technology)<-[:COVERS]-(a) } | t.id] AS overlap
WHERE size(overlap) > 0
WITH a, b, pa, pb, overlap,
     [(a)<-[:LEADS]-(c:Component) | c.id] AS la, [(b)<-[:LEADS]-(c:Component) | c.id] AS lb
UNWIND overlap AS t
WITH a, b, pa, pb, la, lb, collect(DISTINCT t) AS technologies
RETURN a.id AS agreement_a, b.id AS agreement_b,
       CASE WHEN size(pa) <= size(pb) THEN pa ELSE pb END AS parties,
       technologies,
       la + [c IN lb WHERE NOT c IN la] AS components,
       size(la) > 0 AND size(lb) > 0 AND (any(c IN la WHERE NOT c IN lb) OR any(c IN lb WHERE NOT c IN la)) AS cross_component,
       CASE WHEN size(pa) = size(pb) THEN 'equal' ELSE 'nested' END AS relation,
       a.type = b.type AS same_type
ORDER BY agreement_a, agreement_b
