// Swagger UI (swagger-ui-dist, served by the gateway itself) over the gateway's own OpenAPI document.
window.SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#reference', deepLinking: true });
