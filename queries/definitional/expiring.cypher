// name: expiring
// purpose: Active agreements ending within the window, with the priority technologies that would become gaps.
// params: as_of: date = today; within_days: int = 180
// returns: agreement, title, end, days_left, parties, technologies, would_be_gaps
// A technology that one agreement covers through the whole window can never become a gap: those are
// found once, so the per-agreement check runs only for the rest (7,000 checks became a handful at 200k).
MATCH (s:Technology)
WHERE s.priority IS NOT NULL
  AND EXISTS {
    MATCH (s)<-[:BROADER*0..]-(:Technology)<-[:COVERS]-(b:Agreement)
    WHERE coalesce(b.status, 'active') = 'active'
      AND (b.start IS NULL OR b.start <= $as_of + duration({days: 1}))
      AND (b.end IS NULL OR b.end > $as_of + duration({days: $within_days}))
  }
WITH collect(s.id) AS steady
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND a.end IS NOT NULL AND a.end >= $as_of
  AND a.end <= $as_of + duration({days: $within_days})
WITH steady, a, a.end + duration({days: 1}) AS after
OPTIONAL MATCH (a)-[:COVERS]->(:Technology)-[:BROADER*0..]->(t:Technology)
WHERE t.priority IS NOT NULL
  AND NOT t.id IN steady
  AND NOT EXISTS {
    MATCH (t)<-[:BROADER*0..]-(:Technology)<-[:COVERS]-(b:Agreement)
    WHERE b <> a
      AND coalesce(b.status, 'active') = 'active'
      AND (b.start IS NULL OR b.start <= after)
      AND (b.end IS NULL OR b.end >= after)
  }
WITH a, collect(DISTINCT t.id) AS gaps
RETURN a.id AS agreement,
       a.title AS title,
       a.end AS end,
       duration.inDays($as_of, a.end).days AS days_left,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(c:Technology) | c.id] AS technologies,
       gaps AS would_be_gaps
ORDER BY end, agreement
