// name: agreement-rows
// purpose: Every agreement's own properties, one flat row each, dates as ISO text (queries/portfolio.py joins the link tables to it).
// params: none
// returns: id, status, start, end, deliberate_redundancy, title, type, depth
MATCH (a:Agreement)
RETURN a.id AS id, a.status AS status, toString(a.start) AS start, toString(a.end) AS end,
       a.deliberate_redundancy AS deliberate_redundancy, a.title AS title, a.type AS type, a.depth AS depth
