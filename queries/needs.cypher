// name: needs
// purpose: Each component's S&T needs: technology, priority (1..3) and how far current programs address it (0..3).
// params: none
// returns: component, technology, priority, programs
MATCH (c:Component)-[r:NEEDS]->(t:Technology)
RETURN c.id AS component, t.id AS technology, r.priority AS priority, r.programs AS programs
ORDER BY component, technology
