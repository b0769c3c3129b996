import type { ServerResponse } from 'node:http';
import { Controller, Get, Header, Res } from '@nestjs/common';
import { DemoAssets } from './demo-assets.js';

/** The demo page and its scripts: `GET /`, `/demo.js`, `/demo.css`, `/vendor/actioncable.esm.js`. */
@Controller()
export class DemoPageController {
  constructor(private readonly assets: DemoAssets) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(@Res({ passthrough: true }) response: ServerResponse): string {
    response.setHeader('Content-Security-Policy', this.assets.contentSecurityPolicy);
    return this.assets.page;
  }

  @Get('demo.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return this.assets.script;
  }

  @Get('demo.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  stylesheet(): string {
    return this.assets.stylesheet;
  }

  @Get('vendor/actioncable.esm.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  actionCable(): string {
    return this.assets.actionCable;
  }
}
