// Swagger UI over this server's own /openapi.json; "Authorize" takes a
// bearer token (from POST /api/v1/auth/login or `orchestra token create`).
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: false,
  validatorUrl: null,
});
