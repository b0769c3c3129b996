import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable } from '@nestjs/common';
import { DEMO_OPTIONS, type DemoOptions } from '../demo-options.js';

/**
 * The page's static files, from `apps/rpc/src/demo/public/` under the application's root: the
 * nearest folder above this module holding package.json. This module runs from
 * dist/apps/rpc/src/demo/page/ or bundled into dist/apps/rpc/src/main.bundle.js; the Docker image
 * keeps the same layout.
 */
const PUBLIC_DIR = join(applicationRoot(fileURLToPath(new URL('.', import.meta.url))), 'apps/rpc/src/demo/public');

/** The unmodified @rails/actioncable client, its ES module build, served to the page (no CDN). */
const ACTIONCABLE_ESM = createRequire(import.meta.url).resolve('@rails/actioncable/app/assets/javascripts/actioncable.esm.js');

/** The demo page's files, read once at start and kept in memory (a few kilobytes). */
@Injectable()
export class DemoAssets {
  /** index.html with the cable URL in its `action-cable-url` meta tag. */
  readonly page: string;
  readonly script = readPublic('demo.js');
  readonly stylesheet = readPublic('demo.css');
  readonly actionCable = readFileSync(ACTIONCABLE_ESM, 'utf8');
  /**
   * Scripts, styles and fetches from this server only, WebSockets to the gateway only: the page runs
   * no inline code, so an injected `<script>` would not run.
   */
  readonly contentSecurityPolicy: string;

  constructor(@Inject(DEMO_OPTIONS) options: DemoOptions) {
    this.page = readPublic('index.html').replaceAll('{{cable_url}}', escapeHtml(options.cableUrl));
    const cableOrigin = new URL(options.cableUrl).origin;
    this.contentSecurityPolicy = [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ${cableOrigin}`,
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
  }
}

function readPublic(name: string): string {
  return readFileSync(join(PUBLIC_DIR, name), 'utf8');
}

function applicationRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: cannot find the demo page's files`);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
