// name: agreements-under
// purpose: Every agreement under the agreements given, through one or more UNDER relationships (a snapshot patches their agreement-facts too).
// params: ids: list
// returns: id
MATCH (d:Agreement)-[:UNDER*1..]->(a:Agreement) WHERE a.id IN $ids
RETURN DISTINCT d.id AS id
