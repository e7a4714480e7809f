import express, { type Router } from 'express';
import swaggerUiDist from 'swagger-ui-dist';

/** Swagger UI from the installed package (no CDN), pointed at our own document. */
export function createDocsRouter(): Router {
  const router = express.Router();
  router.get('/swagger-initializer.js', (_req, res) => {
    res
      .type('application/javascript')
      .send(
        `window.onload = () => { window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true }); };`,
      );
  });
  router.use(express.static(swaggerUiDist.getAbsoluteFSPath(), { index: 'index.html' }));
  return router;
}
