// name: agreement-rows-of
// purpose: agreement-rows for the agreements given only (a snapshot patches in an ingest's changes with it).
// params: ids: list
// returns: id, status, start, end, deliberate_redundancy, title, type, depth
MATCH (a:Agreement) WHERE a.id IN $ids
RETURN a.id AS id, a.status AS status, toString(a.start) AS start, toString(a.end) AS end,
       a.deliberate_redundancy AS deliberate_redundancy, a.title AS title, a.type AS type, a.depth AS depth
