// name: nations
// purpose: List nations with their region and how many forums and active agreements they have.
// params: as_of: date = today
// returns: code, name, region, forums, agreements
MATCH (n:Nation)
RETURN n.code AS code,
       n.name AS name,
       n.region AS region,
       COUNT {
         MATCH (n)-[m:MEMBER_OF]->(:Forum)
         WHERE (m.since IS NULL OR m.since <= $as_of) AND (m.until IS NULL OR m.until >= $as_of)
       } AS forums,
       COUNT {
         MATCH (n)-[:PARTY_TO]->(a:Agreement)
         WHERE coalesce(a.status, 'active') = 'active'
           AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of)
       } AS agreements
ORDER BY code
