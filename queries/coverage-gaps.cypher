// name: coverage-gaps
// purpose: Technologies with a priority that no active agreement covers, directly or through a narrower technology.
// params: as_of: date = today; nation: nation?
// returns: technology, name, priority, scheme
MATCH (t:Technology)
WHERE t.priority IS NOT NULL
  AND NOT EXISTS {
    MATCH (t)<-[:BROADER*0..]-(:Technology)<-[:COVERS]-(a:Agreement)
    WHERE coalesce(a.status, 'active') = 'active'
      AND (a.start IS NULL OR a.start <= $as_of)
      AND (a.end IS NULL OR a.end >= $as_of)
      AND ($nation IS NULL OR EXISTS { MATCH (a)<-[:PARTY_TO]-(:Nation {code: $nation}) })
  }
RETURN t.id AS technology, t.name AS name, t.priority AS priority, t.scheme AS scheme
ORDER BY priority DESC, technology
