// Human-readable API reference: swagger-ui rendering the Worker's own OpenAPI document. swagger-ui is bundled
// from the npm package (not a CDN) so the page works offline and under the site's `script-src 'self'` policy.
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import { refreshSession } from '../api';
import { byId } from '../dom';
import { mountLayout } from '../layout';
import { session } from '../session';

mountLayout();

const container = byId('swagger-ui');
// swagger-ui shows its own progress; the static "Loading…" text is only for the time before this script runs.
container.replaceChildren();

SwaggerUI({
  domNode: container,
  url: '/api/v1/openapi.json',
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  validatorUrl: null,
  // "Try it out" acts as the signed-in user unless an Authorization value was entered in the Authorize dialog.
  async requestInterceptor(request) {
    const sameOrigin = new URL(request.url, window.location.origin).origin === window.location.origin;
    if (!sameOrigin || request.headers.Authorization || request.url.endsWith('/openapi.json')) return request;
    if (session.needsRefresh()) await refreshSession();
    if (session.accessToken) request.headers.Authorization = `Bearer ${session.accessToken}`;
    return request;
  },
  onComplete() {
    container.removeAttribute('aria-busy');
  },
});
