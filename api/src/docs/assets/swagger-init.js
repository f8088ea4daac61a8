// Starts the bundled Swagger UI on this platform's OpenAPI document. Served from /docs/assets, like
// Swagger UI itself: the page makes no request to another host (and its Content-Security-Policy says so).
/* global window, SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', () => {
  SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // no validity badge from validator.swagger.io
    validatorUrl: null,
    // the document is ours: no ?url= or ?configUrl= from the address bar
    queryConfigEnabled: false,
    layout: 'BaseLayout',
    defaultModelsExpandDepth: 0,
  })
})
