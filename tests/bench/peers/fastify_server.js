// The fastify peer of the small JSON GET: the same route and body as the
// echo plugin's GET /api/v1/echo/hello, one process, logging off.
//   node fastify_server.js PORT
const fastify = require('fastify')({ logger: false });

fastify.get('/api/v1/echo/hello', async () => ({ message: 'hello' }));

fastify.listen({ host: '127.0.0.1', port: Number(process.argv[2]) }).catch((error) => {
  console.error(`fastify peer: ${error.message}`);
  process.exit(1);
});
