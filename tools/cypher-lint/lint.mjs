// Reads {schema, queries:[{name, text, parameters}]} as JSON on stdin and prints, as JSON,
// the diagnostics Neo4j's parser and semantic analysis give for each query.
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));

// Built-in functions and procedures only: the mock schema is a snapshot of a Neo4j 5 server,
// which also carries plugin namespaces (APOC, GDS) that stkg must not rely on.
const builtin = (registry) => Object.fromEntries(
  Object.entries(registry).filter(([name]) => !/^(apoc|gds)\./.test(name)));
const scoped = (all) => Object.fromEntries(
  Object.entries(all).map(([version, registry]) => [version, builtin(registry)]));

const results = input.queries.map((q) => {
  const schema = {
    ...input.schema,
    functions: scoped(testData.mockSchema.functions),
    procedures: scoped(testData.mockSchema.procedures),
    parameters: Object.fromEntries(q.parameters.map((p) => [p, null])),
  };
  const { diagnostics } = lintCypherQuery(q.text, schema);
  return {
    name: q.name,
    diagnostics: diagnostics.map((d) => ({
      severity: d.severity === 1 ? 'error' : 'warning',
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
    })),
  };
});
process.stdout.write(JSON.stringify(results));
