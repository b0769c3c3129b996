import { ValidationPipe } from '@nestjs/common';

/**
 * Validation of the demo's request bodies: unknown properties are refused (not silently dropped) so a
 * typo in a client gets a 400 naming the property.
 */
export const demoValidation = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
