// name: nation-detail
// purpose: One nation with its forum memberships and agreements, each marked active or not as of a date.
// params: code: nation; as_of: date = today
// returns: code, name, region, aliases, source, memberships, agreements
MATCH (n:Nation {code: $code})
RETURN n.code AS code, n.name AS name, n.region AS region, n.aliases AS aliases, n.source AS source,
       [(n)-[m:MEMBER_OF]->(f:Forum) | {
         forum: f.id, name: f.name, role: coalesce(m.role, 'member'), since: m.since, until: m.until,
         active: (m.since IS NULL OR m.since <= $as_of) AND (m.until IS NULL OR m.until >= $as_of)
       }] AS memberships,
       [(n)-[:PARTY_TO]->(a:Agreement) | {
         id: a.id, title: a.title, type: a.type, status: a.status, start: a.start, end: a.end,
         active: coalesce(a.status, 'active') = 'active'
           AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of)
       }] AS agreements
