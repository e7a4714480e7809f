import express, { type Router } from 'express';
import swaggerUiDist from 'swagger-ui-dist';

/**
 * Swagger UI from the installed package (no CDN), pointed at our own document. No validator badge: it
 * would hand our document's address to validator.swagger.io, an image the Content-Security-Policy refuses.
 */
export function createDocsRouter(): Router {
  const router = express.Router();
  router.get('/swagger-initializer.js', (_req, res) => {
    res
      .type('application/javascript')
      .send(
        `window.onload = () => { window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true, validatorUrl: null }); };`,
      );
  });
  router.use(express.static(swaggerUiDist.getAbsoluteFSPath(), { index: 'index.html' }));
  return router;
}
