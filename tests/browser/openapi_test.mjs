// /openapi.json of a deployment with every plugin enabled: a valid
// OpenAPI 3.1 document (@seriousme/openapi-schema-validator), in which
// every route declares its success responses.
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
  check(operations >= 70, `only ${operations} operations described`);
  console.log(`openapi: a valid OpenAPI 3.1 document, ${operations} operations, each declaring its responses`);
} catch (error) {
  console.error(`openapi: ${error.stack || error.message}`);
  process.exitCode = 1;
} finally {
  server.stop();
}
