// /openapi.json of a deployment with every plugin enabled: a valid
// OpenAPI 3.1 document (@seriousme/openapi-schema-validator), in which
// every route declares its success responses, and every GET route that
// needs no id answers as it declares.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Server, check } from './harness.mjs';

const server = new Server(['calculator', 'csv-summer', 'notifications', 'search-indexer', 'steam-sync']);
try {
  await server.start();
  const document = await (await fetch(`${server.origin}/openapi.json`)).json();
  const validator = new Validator();
  const result = await validator.validate(document);
  check(result.valid, `not a valid OpenAPI 3.1 document: ${String(JSON.stringify(result.errors ?? result, null, 1)).slice(0, 3000)}`);
  check(validator.version === '3.1', `version ${validator.version}, expected 3.1`);
  const undeclared = [];
  let operations = 0;
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      ++operations;
      const statuses = Object.keys(operation.responses);
      if (!statuses.some((status) => /^[23]\d\d$/.test(status))) undeclared.push(`${method.toUpperCase()} ${path}`);
    }
  }
  check(undeclared.length === 0, `routes without a declared success response: ${undeclared.join(', ')}`);
  // Walk every GET route that needs no id, as an admin, filling required
  // query parameters from their schemas: the server (validate_responses)
  // answers 500 where a real response breaks its declared schema.
  const walked = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    const operation = methods.get;
    if (!operation || path.includes('{') || path.endsWith('/me/stream')) continue;
    const query = new URLSearchParams();
    for (const parameter of operation.parameters.filter((p) => p.in === 'query' && p.required)) {
      query.set(parameter.name, parameter.schema.enum ? parameter.schema.enum[0] : 'arena');
    }
    const target = `${path}${query.size ? `?${query}` : ''}`;
    const answer = await fetch(`${server.origin}${target}`, {
      headers: { Authorization: `Bearer ${await server.adminToken()}` } });
    check(answer.status === 200, `GET ${target} answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
    walked.push(path);
  }
  check(walked.length >= 20, `only ${walked.length} routes walked`);
  check(operations >= 70, `only ${operations} operations described`);
  const team = document.paths['/api/v1/notifications/teams/{id}'].get.parameters.find((p) => p.in === 'path');
  check(team.schema.type === 'integer', `a team id is typed: ${JSON.stringify(team)}`);
  check(!document.paths['/api/v1/notifications/teams/{id}'].get.parameters.some((p) => p.in === 'query'),
        'a path parameter is not listed again as a query parameter');
  console.log(`openapi: a valid OpenAPI 3.1 document, ${operations} operations, each declaring its responses; ${walked.length} GET routes walked, every answer as declared`);
} catch (error) {
  console.error(`openapi: ${error.stack || error.message}`);
  process.exitCode = 1;
} finally {
  server.stop();
}
