// name: duplicates
// purpose: Pairs of active agreements with equal or nested party sets covering a common technology (or one an ancestor of the other's).
// params: as_of: date = today
// returns: agreement_a, agreement_b, parties, technologies, components, cross_component
MATCH (a:Agreement)-[:COVERS]->(narrow:Technology)-[:BROADER*0..]->(wide:Technology)<-[:COVERS]-(b:Agreement)
WHERE a <> b
  AND coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of)
  AND coalesce(b.status, 'active') = 'active'
  AND (b.start IS NULL OR b.start <= $as_of) AND (b.end IS NULL OR b.end >= $as_of)
  AND NOT coalesce(a.deliberate_redundancy, false)
  AND NOT coalesce(b.deliberate_redundancy, false)
WITH a, b, collect(DISTINCT narrow.id) AS narrower
WITH a, b, narrower,
     [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS pa,
     [(b)<-[:PARTY_TO]-(n:Nation) | n.code] AS pb
WHERE (all(x IN pa WHERE x IN pb) OR all(x IN pb WHERE x IN pa))
  AND NOT EXISTS { MATCH (a)-[:UNDER*1..]->(b) }
  AND NOT EXISTS { MATCH (b)-[:UNDER*1..]->(a) }
WITH CASE WHEN a.id < b.id THEN a ELSE b END AS x,
     CASE WHEN a.id < b.id THEN b ELSE a END AS y,
     narrower, [p IN pa WHERE p IN pb] AS common
WITH x, y, collect(narrower) AS found, head(collect(common)) AS common
WITH x, y, common,
     reduce(acc = [], ids IN found | acc + [i IN ids WHERE NOT i IN acc]) AS technologies
WITH x, y, common, technologies,
     [(x)<-[:LEADS]-(c:Component) | c.id] AS lx,
     [(y)<-[:LEADS]-(c:Component) | c.id] AS ly
RETURN x.id AS agreement_a,
       y.id AS agreement_b,
       common AS parties,
       technologies,
       lx + [c IN ly WHERE NOT c IN lx] AS components,
       size(lx) > 0 AND size(ly) > 0 AND any(c IN lx + ly WHERE NOT (c IN lx AND c IN ly)) AS cross_component
ORDER BY agreement_a, agreement_b
