/**
 * The dashboard: GET / and its static files (public, they hold no data: the page asks the API, with the
 * token, for everything). Chart.js is served from node_modules, never from a CDN. Files are read once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The page runs no inline script or style, talks only to this server and cannot be framed. */
export const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/**
 * Browser features the page never uses, denied to it and to anything it could ever embed: a script slipped into the
 * page still cannot reach the camera, the microphone, the location or a USB device. Only features Chromium knows
 * (it logs a warning for any other, e.g. `bluetooth`).
 */
export const PERMISSIONS_POLICY = [
  'accelerometer', 'autoplay', 'camera', 'display-capture', 'encrypted-media', 'fullscreen', 'geolocation',
  'gyroscope', 'hid', 'idle-detection', 'magnetometer', 'microphone', 'midi', 'payment', 'picture-in-picture',
  'publickey-credentials-get', 'screen-wake-lock', 'serial', 'usb', 'xr-spatial-tracking',
].map((feature) => `${feature}=()`).join(', ');

interface Asset {
  type: string;
  body: Buffer;
}

/** `public/` sits at the package root: two levels up from src/http, three from dist/src/http. */
export function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', '..', 'public'), join(here, '..', '..', '..', '..', 'public')];
  const found = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error(`dashboard files not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** chart.js does not export its UMD build, so find it next to the package's main file. */
export function chartJsPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('chart.js')), 'chart.umd.js');
}

function loadAssets(): Map<string, Asset> {
  const dir = publicDir();
  const file = (name: string, type: string): Asset => ({ type, body: readFileSync(join(dir, name)) });
  return new Map<string, Asset>([
    ['/', file('index.html', 'text/html; charset=utf-8')],
    ['/app.js', file('app.js', 'text/javascript; charset=utf-8')],
    ['/style.css', file('style.css', 'text/css; charset=utf-8')],
    ['/vendor/chart.umd.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(chartJsPath()) }],
  ]);
}

export function registerDashboard(app: FastifyInstance): void {
  const assets = loadAssets();
  for (const [path, asset] of assets) {
    app.get(path, { config: { public: true } }, async (_req, reply) =>
      reply.type(asset.type).header('cache-control', path === '/' ? 'no-cache' : 'max-age=300').send(asset.body));
  }
  app.get('/favicon.ico', { config: { public: true } }, async (_req, reply) => reply.code(204).send());
}
