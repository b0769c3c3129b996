import { Controller, Get } from '@nestjs/common';

/** `GET /health`: 200 while the app serves (the compose health check and `npm start` wait for it). */
@Controller()
export class HealthController {
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
